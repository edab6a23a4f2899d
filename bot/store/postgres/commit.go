package postgres

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/hexfit/supportbot/bot"
)

// Custom SQLSTATEs raised by supportbot_check (migrations/001_init.sql).
const (
	codeConflict = "SBCON"
	codeNotFound = "SBNFD"
)

// convID is the conversation id in the statements of a Commit: $1, or,
// when the batch created the conversation ($1 NULL), the id its INSERT
// just drew from the sequence in this session.
const convID = `COALESCE($1::BIGINT, currval(pg_get_serial_sequence('conversations', 'id')))`

const (
	insConv = `INSERT INTO conversations (channel, chat_id, contact_id, state, lang, audience, agent,
		handoff_id, caps, dialog, version, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, $11, $11) RETURNING id`
	updConv = `WITH u AS (UPDATE conversations SET contact_id = $1, state = $2, lang = $3, audience = $4, agent = $5,
		handoff_id = $6, caps = $7, dialog = $8, version = version + 1, updated_at = $9
		WHERE id = $10 AND version = $11 RETURNING 1)
		SELECT supportbot_check(EXISTS (SELECT 1 FROM u), '` + codeConflict + `', 'conversation changed')`
	upContact = `INSERT INTO contacts (channel, contact_id, name, lang, audience, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $6)
		ON CONFLICT (channel, contact_id) DO UPDATE SET name = excluded.name, lang = excluded.lang,
		audience = excluded.audience, updated_at = excluded.updated_at`
	// A redelivered inbound violates messages_dedupe, which aborts the batch.
	insMsg = `INSERT INTO messages (conv_id, channel, kind, author, text, buttons, platform_id,
		intent, lang, verdict, confidence, at) VALUES (` + convID + `, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`
	// One statement stores the transcript line of a reply and queues it.
	// The first reply of a commit is leased to owner $13 until $12 (0: no
	// lease) when every pending reply of the conversation is leased to
	// that owner past $14; the next ones take the lease of the one before,
	// the newest pending row of the conversation (the conversation's row
	// lock keeps other commits out).
	insOut = `WITH m AS (INSERT INTO messages (conv_id, channel, kind, author, text, buttons, lang, at)
		VALUES (` + convID + `, $2, $3, $4, $5, $6, $7, $8) RETURNING id, conv_id),
		l AS (SELECT CASE
			WHEN $12::BIGINT = 0 THEN 0
			WHEN $15::BOOLEAN THEN COALESCE((SELECT p.lease_until FROM outbox p, m
				WHERE p.status = 'pending' AND p.conv_id = m.conv_id ORDER BY p.id DESC LIMIT 1), 0)
			WHEN EXISTS (SELECT 1 FROM outbox p, m WHERE p.status = 'pending' AND p.conv_id = m.conv_id
				AND NOT (p.lease_owner = $13 AND p.lease_until > $14)) THEN 0
			ELSE $12 END AS until)
		INSERT INTO outbox (conv_id, msg_id, channel, chat_id, kind, lang, reply, status, next_at, created_at,
			lease_until, lease_owner)
		SELECT m.conv_id, m.id, $9, $10, $3, $7, $11, 'pending', $8, $8, l.until,
			CASE WHEN l.until = 0 THEN '' ELSE $13 END
		FROM m, l RETURNING id, lease_until`
	insHandoff = `WITH h AS (INSERT INTO handoffs (conv_id, reason, status, agent, lang, created_at)
		VALUES (` + convID + `, $2, $3, $4, $5, $6) RETURNING id, conv_id),
		u AS (UPDATE conversations c SET handoff_id = h.id FROM h WHERE c.id = h.conv_id)
		SELECT id FROM h`
	updHandoff = `WITH u AS (UPDATE handoffs SET status = $1, agent = $2, taken_at = $3, resolved_at = $4,
		notice_at = $5, csat = $6 WHERE id = $7 RETURNING 1)
		SELECT supportbot_check(EXISTS (SELECT 1 FROM u), '` + codeNotFound + `', 'handoff not found')`
	setCSAT     = `UPDATE handoffs SET csat = $1 WHERE id = $2`
	insFeedback = `INSERT INTO feedback (conv_id, intent, lang, helpful, at) VALUES (` + convID + `, $2, $3, $4, $5)`
)

// Commit implements bot.Store in one round trip: every statement goes in
// one pipelined batch, which PostgreSQL runs as one implicit transaction
// (one Sync), so any failing statement rolls all of it back. The
// conversation row is written first: its row lock serializes commits of
// one conversation across instances, and a failed version check raises
// an error (ErrConflict) instead of returning no row. A redelivered
// inbound violates the messages_dedupe index (ErrDuplicate), and a second
// creation of one chat's conversation the conversations_chat constraint
// (ErrConflict).
//
// Commits that arrive while others are in flight share one transaction
// (commitGroup).
func (s *Store) Commit(ctx context.Context, c bot.Change) (bot.Committed, error) {
	return s.commits.do(ctx, c)
}

// commitOne commits c in a transaction of its own.
func (s *Store) commitOne(ctx context.Context, c bot.Change) (bot.Committed, error) {
	b := &pgx.Batch{}
	res, err := buildCommit(b, c)
	if err != nil {
		return bot.Committed{}, err
	}
	if err := s.pool.SendBatch(ctx, b).Close(); err != nil {
		return bot.Committed{}, classify(err, c)
	}
	return *res, nil
}

// commitGroup is the group commit: the changes of concurrent webhooks go
// in one batch, one transaction and one WAL flush. Their conversation
// rows are locked in one global order, so that two instances' groups do
// not deadlock. When the server refuses the group (a redelivery, a
// version conflict), nothing of it was written, and each change is
// committed alone to learn which one failed and why; an error that may
// have come after the commit (a lost connection) is every change's
// answer, as it would be for a single commit.
func (s *Store) commitGroup(ctx context.Context, cs []bot.Change) ([]bot.Committed, []error) {
	outs, errs := make([]bot.Committed, len(cs)), make([]error, len(cs))
	if len(cs) == 1 {
		outs[0], errs[0] = s.commitOne(ctx, cs[0])
		return outs, errs
	}
	order := make([]int, len(cs))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return compareLockOrder(cs[a].Conversation, cs[b].Conversation) })
	b := &pgx.Batch{}
	res := make([]*bot.Committed, len(cs))
	for _, i := range order {
		res[i], errs[i] = buildCommit(b, cs[i])
	}
	if b.Len() == 0 {
		return outs, errs
	}
	err := s.pool.SendBatch(ctx, b).Close()
	var pe *pgconn.PgError
	switch {
	case err == nil:
		for i, r := range res {
			if r != nil {
				outs[i] = *r
			}
		}
	case errors.As(err, &pe): // rolled back: find out which change and why
		eachAlone(len(cs), func(i int) {
			if res[i] != nil {
				outs[i], errs[i] = s.commitOne(ctx, cs[i])
			}
		})
	default:
		for i, c := range cs {
			if res[i] != nil {
				errs[i] = classify(err, c)
			}
		}
	}
	return outs, errs
}

// compareLockOrder orders conversations as their row locks are taken in
// a group: stored ones by id, then new ones by chat.
func compareLockOrder(a, b bot.Conversation) int {
	if (a.ID == 0) != (b.ID == 0) {
		if a.ID == 0 {
			return 1
		}
		return -1
	}
	if a.ID != 0 {
		return cmp.Compare(a.ID, b.ID)
	}
	return cmp.Compare(a.Key(), b.Key())
}

// classify maps database errors that mean "someone else got there first"
// to the store's sentinels, so the engine acks or re-decides.
func classify(err error, c bot.Change) error {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case pe.Code == codeConflict:
			return fmt.Errorf("postgres: conversation %d changed: %w", c.Conversation.ID, bot.ErrConflict)
		case pe.Code == codeNotFound && c.Handoff != nil:
			return fmt.Errorf("postgres: handoff %d: %w", c.Handoff.H.ID, bot.ErrNotFound)
		case pe.Code == "23505" && pe.ConstraintName == "messages_dedupe":
			return fmt.Errorf("postgres: inbound %s: %w", c.Conversation.Channel, bot.ErrDuplicate)
		case pe.Code == "23505" && pe.ConstraintName == "conversations_chat":
			return fmt.Errorf("postgres: conversation %s created concurrently: %w", c.Conversation.Key(), bot.ErrConflict)
		case pe.Code == "40001" || pe.Code == "40P01": // serialization failure, deadlock: decide again
			return fmt.Errorf("postgres: commit %s: %s: %w", c.Conversation.Key(), pe.Code, bot.ErrConflict)
		}
	}
	return fmt.Errorf("postgres: commit: %w", err)
}

// buildCommit queues the statements of c on b; res is filled in as the
// batch's results are read. On error nothing was queued.
func buildCommit(b *pgx.Batch, c bot.Change) (*bot.Committed, error) {
	res := &bot.Committed{}
	at := ms(c.At)
	cv := c.Conversation
	caps, err := json.Marshal(cv.Caps)
	if err != nil {
		return nil, fmt.Errorf("postgres: encode caps: %w", err)
	}
	dialog, err := json.Marshal(cv.Dialog)
	if err != nil {
		return nil, fmt.Errorf("postgres: encode dialog: %w", err)
	}
	replies := make([]string, len(c.Out)) // encoded before anything is queued
	for i, o := range c.Out {
		r, err := json.Marshal(o.Reply)
		if err != nil {
			return nil, fmt.Errorf("postgres: encode reply: %w", err)
		}
		replies[i] = string(r)
	}
	var id *int64 // $1 of the later statements: nil until the conversation exists
	if cv.ID == 0 {
		res.Version = 1
		b.Queue(insConv, cv.Channel, cv.ChatID, cv.ContactID, string(cv.State), string(cv.Lang), string(cv.Audience),
			cv.Agent, cv.HandoffID, string(caps), string(dialog), at).QueryRow(func(r pgx.Row) error {
			return r.Scan(&res.ConvID)
		})
	} else {
		res.ConvID, res.Version = cv.ID, cv.Version+1
		id = &cv.ID
		b.Queue(updConv, cv.ContactID, string(cv.State), string(cv.Lang), string(cv.Audience), cv.Agent, cv.HandoffID,
			string(caps), string(dialog), at, cv.ID, cv.Version)
	}
	if ct := c.Contact; ct != nil {
		b.Queue(upContact, ct.Channel, ct.ContactID, ct.Name, string(ct.Lang), string(ct.Audience), at)
	}
	if in := c.Inbound; in != nil {
		b.Queue(insMsg, id, cv.Channel, bot.KindClient, in.Author, in.Text, "", in.PlatformID,
			string(in.Intent), string(in.Lang), string(in.Verdict), in.Confidence, ms(in.At))
	}
	for _, e := range c.Entries {
		b.Queue(insMsg, id, cv.Channel, e.Kind, e.Author, e.Text, encodeButtons(e.Buttons), "",
			string(e.Intent), string(e.Lang), string(e.Verdict), e.Confidence, at)
	}
	if len(c.Out) > 0 {
		res.OutboxIDs = make([]int64, len(c.Out))
	}
	var until, leaseNow int64
	var owner string
	if l := c.Lease; l != nil && l.Owner != "" {
		until, leaseNow, owner = ms(l.Until), ms(l.Now), l.Owner
	}
	for i, o := range c.Out {
		author := "bot"
		if o.Kind == bot.KindAgent {
			author = cv.Agent
		}
		b.Queue(insOut, id, cv.Channel, o.Kind, author, o.Reply.Text, encodeButtons(o.Reply.Buttons),
			string(o.Lang), at, o.Channel, o.ChatID, replies[i], until, owner, leaseNow, i > 0).QueryRow(func(r pgx.Row) error {
			var lease int64
			if err := r.Scan(&res.OutboxIDs[i], &lease); err != nil {
				return err
			}
			if i == 0 {
				res.Leased = lease != 0
			}
			return nil
		})
	}
	if h := c.Handoff; h != nil {
		if h.Create {
			b.Queue(insHandoff, id, h.H.Reason, string(bot.HandoffWaiting), h.H.Agent, string(h.H.Lang), at).
				QueryRow(func(r pgx.Row) error { return r.Scan(&res.HandoffID) })
		} else {
			b.Queue(updHandoff, string(h.H.Status), h.H.Agent, ms(h.H.TakenAt), ms(h.H.ResolvedAt), ms(h.H.NoticeAt),
				h.H.CSAT, h.H.ID)
		}
	}
	if cs := c.CSAT; cs != nil {
		b.Queue(setCSAT, cs.Score, cs.HandoffID)
	}
	for _, f := range c.Feedback {
		helpful := 0
		if f.Helpful {
			helpful = 1
		}
		b.Queue(insFeedback, id, string(f.Intent), string(f.Lang), helpful, at)
	}
	return res, nil
}

func encodeButtons(bs []bot.Button) string {
	if len(bs) == 0 {
		return ""
	}
	b, _ := json.Marshal(bs) // a []Button of strings always encodes
	return string(b)
}

func decodeButtons(s string) []bot.Button {
	if s == "" {
		return nil
	}
	var bs []bot.Button
	if json.Unmarshal([]byte(s), &bs) != nil {
		return nil
	}
	return bs
}
