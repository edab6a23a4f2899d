package slack

import (
	"context"
	"fmt"
	"slices"

	"github.com/slack-go/slack"
)

// isAgent reports whether user may take, answer and resolve handoffs: one
// of the configured agent ids, or else a member of the agents channel
// (conversations.members, cached for MembersTTL).
func (s *Slack) isAgent(ctx context.Context, user string) (bool, error) {
	if len(s.agents) > 0 {
		return s.agents[user], nil
	}
	members, err := s.channelMembers(ctx)
	if err != nil {
		return false, err
	}
	_, found := slices.BinarySearch(members, user)
	return found, nil
}

func (s *Slack) channelMembers(ctx context.Context) ([]string, error) {
	s.mu.Lock()
	if s.members != nil && s.cfg.Now().Sub(s.fetched) < s.cfg.MembersTTL {
		m := s.members
		s.mu.Unlock()
		return m, nil
	}
	s.mu.Unlock()
	var all []string
	cursor := ""
	for {
		page, next, err := s.api.GetUsersInConversationContext(ctx, &slack.GetUsersInConversationParameters{
			ChannelID: s.cfg.AgentsChannel, Cursor: cursor, Limit: 1000})
		if err != nil {
			return nil, fmt.Errorf("slack: conversations.members: %w", err)
		}
		all = append(all, page...)
		if next == "" {
			break
		}
		cursor = next
	}
	slices.Sort(all)
	if all == nil {
		all = []string{}
	}
	s.mu.Lock()
	s.members, s.fetched = all, s.cfg.Now()
	s.mu.Unlock()
	return all, nil
}
