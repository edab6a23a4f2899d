package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/hexfit/supportbot/bot"
)

// stmts are the hot write statements, prepared once on the writer
// connection so a Commit does not parse SQL.
type stmts struct {
	insConv, updConv, upContact, insMsg, insOutbox, insHandoff, updHandoff, setConvHandoff, insFeedback *sql.Stmt
	markSent, markSentPID, markDead, markRetry, lease, pendingOf, release                               *sql.Stmt
	// on the reader pool
	convByKey, contact *sql.Stmt
}

func (s *Store) prepare(ctx context.Context) error {
	p := func(dst **sql.Stmt, q string) error {
		st, err := s.w.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("sqlite: prepare: %w", err)
		}
		*dst = st
		return nil
	}
	pr := func(dst **sql.Stmt, q string) error {
		st, err := s.r.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("sqlite: prepare: %w", err)
		}
		*dst = st
		return nil
	}
	return errors.Join(
		pr(&s.stmts.convByKey, `SELECT `+convCols+` FROM conversations WHERE channel = ? AND chat_id = ?`),
		pr(&s.stmts.contact, contactSQL),
		p(&s.stmts.markSent, `UPDATE outbox SET status = 'sent', attempts = attempts + 1, sent_at = ?,
			lease_until = 0, last_error = '' WHERE id = ?`),
		p(&s.stmts.lease, `UPDATE outbox SET lease_until = ?, lease_owner = '' WHERE id = ? AND status = 'pending' AND next_at <= ?
			AND lease_until <= ? AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.status = 'pending'
			AND p.conv_id = outbox.conv_id AND p.id < outbox.id)`),
		p(&s.stmts.markSentPID, `UPDATE messages SET platform_id = ? WHERE id = (SELECT msg_id FROM outbox WHERE id = ?)`),
		p(&s.stmts.markDead, `UPDATE outbox SET status = 'dead', attempts = attempts + 1, lease_until = 0,
			last_error = ? WHERE id = ?`),
		p(&s.stmts.markRetry, `UPDATE outbox SET attempts = attempts + 1, next_at = ?, lease_until = 0,
			last_error = ? WHERE id = ?`),
		p(&s.stmts.insConv, `INSERT INTO conversations (channel, chat_id, contact_id, state, lang, audience, agent,
			handoff_id, caps, dialog, version, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?) ON CONFLICT (channel, chat_id) DO NOTHING`),
		p(&s.stmts.updConv, `UPDATE conversations SET contact_id = ?, state = ?, lang = ?, audience = ?, agent = ?,
			handoff_id = ?, caps = ?, dialog = ?, version = version + 1, updated_at = ?
			WHERE id = ? AND version = ?`),
		p(&s.stmts.upContact, `INSERT INTO contacts (channel, contact_id, name, lang, audience, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (channel, contact_id) DO UPDATE SET name = excluded.name, lang = excluded.lang,
			audience = excluded.audience, updated_at = excluded.updated_at`),
		p(&s.stmts.insMsg, `INSERT INTO messages (conv_id, channel, kind, author, text, buttons, platform_id,
			intent, lang, verdict, confidence, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (channel, platform_id) WHERE kind = 'client' AND platform_id <> '' DO NOTHING`),
		p(&s.stmts.insOutbox, `INSERT INTO outbox (conv_id, msg_id, channel, chat_id, kind, lang, reply, status,
			next_at, created_at, lease_until, lease_owner) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?)`),
		p(&s.stmts.pendingOf, `SELECT EXISTS (SELECT 1 FROM outbox INDEXED BY outbox_pending
			WHERE status = 'pending' AND conv_id = ? AND NOT (lease_owner = ? AND lease_until > ?))`),
		p(&s.stmts.release, `UPDATE outbox SET lease_until = 0 WHERE id = ? AND status = 'pending'`),
		p(&s.stmts.insHandoff, `INSERT INTO handoffs (conv_id, reason, status, agent, lang, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`),
		p(&s.stmts.updHandoff, `UPDATE handoffs SET status = ?, agent = ?, taken_at = ?, resolved_at = ?,
			notice_at = ?, csat = ? WHERE id = ?`),
		p(&s.stmts.setConvHandoff, `UPDATE conversations SET handoff_id = ? WHERE id = ?`),
		p(&s.stmts.insFeedback, `INSERT INTO feedback (conv_id, intent, lang, helpful, at) VALUES (?, ?, ?, ?, ?)`),
	)
}

func (st *stmts) close() {
	for _, s := range []*sql.Stmt{st.insConv, st.updConv, st.upContact, st.insMsg, st.insOutbox,
		st.insHandoff, st.updHandoff, st.setConvHandoff, st.insFeedback, st.markSent, st.markSentPID, st.markDead,
		st.markRetry, st.lease, st.pendingOf, st.release, st.convByKey, st.contact} {
		if s != nil {
			s.Close()
		}
	}
}

// writeReq is one write (a Commit, a claim, delivery results) waiting for
// the writer goroutine.
type writeReq struct {
	ctx  context.Context
	fn   func(ctx context.Context, tx *sql.Tx) error
	done chan error // buffered: the writer never blocks on it
}

// maxBatch bounds how many writes share one transaction.
const maxBatch = 128

// write runs fn in the writer goroutine, which applies every write waiting
// at that moment in a single SQLite transaction, each inside its own
// savepoint: a write that fails (a duplicate, a conflict) is rolled back
// alone, and the others share one WAL append. This group commit is what
// makes thousands of messages per second possible on one SQLite file. fn
// must not keep tx; its effects are durable once write returns nil.
func (s *Store) write(ctx context.Context, fn func(ctx context.Context, tx *sql.Tx) error) error {
	req := &writeReq{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case s.commits <- req:
	case <-ctx.Done():
		return ctx.Err()
	case <-s.quit:
		return errors.New("store closed")
	}
	return <-req.done // the writer always answers a request it received
}

// Commit implements bot.Store (through the group commit of write).
func (s *Store) Commit(ctx context.Context, c bot.Change) (bot.Committed, error) {
	var res bot.Committed
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var err error
		res, err = s.commitTx(ctx, tx, c)
		return err
	})
	if err != nil {
		if errors.Is(err, bot.ErrDuplicate) || errors.Is(err, bot.ErrConflict) || errors.Is(err, bot.ErrNotFound) {
			return bot.Committed{}, err
		}
		return bot.Committed{}, fmt.Errorf("sqlite: commit: %w", err)
	}
	return res, nil
}

// writer applies queued writes until the store closes.
func (s *Store) writer() {
	defer close(s.writerDone)
	batch := make([]*writeReq, 0, maxBatch)
	for {
		select {
		case <-s.quit:
			return
		case req := <-s.commits:
			batch = append(batch[:0], req)
		}
	more:
		for len(batch) < maxBatch {
			select {
			case req := <-s.commits:
				batch = append(batch, req)
			default:
				break more
			}
		}
		s.writeBatch(batch)
	}
}

func (s *Store) writeBatch(batch []*writeReq) {
	errs := make([]error, len(batch))
	// The transaction outlives any one caller's context: others share it.
	ctx := context.WithoutCancel(batch[0].ctx)
	err := func() error {
		tx, err := s.w.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("sqlite: begin: %w", err)
		}
		defer tx.Rollback()
		for i, req := range batch {
			if err := req.ctx.Err(); err != nil {
				errs[i] = err
				continue
			}
			if _, err := tx.ExecContext(ctx, `SAVEPOINT one`); err != nil {
				return fmt.Errorf("sqlite: savepoint: %w", err)
			}
			if errs[i] = req.fn(ctx, tx); errs[i] != nil {
				if _, err := tx.ExecContext(ctx, `ROLLBACK TO one`); err != nil {
					return fmt.Errorf("sqlite: rollback to savepoint: %w", err)
				}
			}
			if _, err := tx.ExecContext(ctx, `RELEASE one`); err != nil {
				return fmt.Errorf("sqlite: release savepoint: %w", err)
			}
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("sqlite: commit: %w", err)
		}
		return nil
	}()
	for i, req := range batch {
		if err != nil && errs[i] == nil {
			errs[i] = err
		}
		req.done <- errs[i]
	}
}

func (s *Store) commitTx(ctx context.Context, tx *sql.Tx, c bot.Change) (bot.Committed, error) {
	var res bot.Committed
	at := ms(c.At)
	cv := c.Conversation
	caps, err := json.Marshal(cv.Caps)
	if err != nil {
		return res, fmt.Errorf("sqlite: encode caps: %w", err)
	}
	dialog, err := json.Marshal(cv.Dialog)
	if err != nil {
		return res, fmt.Errorf("sqlite: encode dialog: %w", err)
	}
	if cv.ID == 0 {
		r, err := tx.StmtContext(ctx, s.stmts.insConv).ExecContext(ctx, cv.Channel, cv.ChatID, cv.ContactID, string(cv.State),
			string(cv.Lang), string(cv.Audience), cv.Agent, cv.HandoffID, string(caps), string(dialog), at, at)
		if err != nil {
			return res, fmt.Errorf("sqlite: insert conversation: %w", err)
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return res, fmt.Errorf("sqlite: conversation %s created concurrently: %w", cv.Key(), bot.ErrConflict)
		}
		if res.ConvID, err = r.LastInsertId(); err != nil {
			return res, fmt.Errorf("sqlite: conversation id: %w", err)
		}
		res.Version = 1
	} else {
		r, err := tx.StmtContext(ctx, s.stmts.updConv).ExecContext(ctx, cv.ContactID, string(cv.State), string(cv.Lang),
			string(cv.Audience), cv.Agent, cv.HandoffID, string(caps), string(dialog), at, cv.ID, cv.Version)
		if err != nil {
			return res, fmt.Errorf("sqlite: update conversation: %w", err)
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return res, fmt.Errorf("sqlite: conversation %d changed: %w", cv.ID, bot.ErrConflict)
		}
		res.ConvID, res.Version = cv.ID, cv.Version+1
	}
	if ct := c.Contact; ct != nil {
		if _, err := tx.StmtContext(ctx, s.stmts.upContact).ExecContext(ctx, ct.Channel, ct.ContactID, ct.Name,
			string(ct.Lang), string(ct.Audience), at, at); err != nil {
			return res, fmt.Errorf("sqlite: upsert contact: %w", err)
		}
	}
	insMsg := tx.StmtContext(ctx, s.stmts.insMsg)
	if in := c.Inbound; in != nil {
		r, err := insMsg.ExecContext(ctx, res.ConvID, cv.Channel, bot.KindClient, in.Author, in.Text, "", in.PlatformID,
			string(in.Intent), string(in.Lang), string(in.Verdict), in.Confidence, ms(in.At))
		if err != nil {
			return res, fmt.Errorf("sqlite: insert inbound: %w", err)
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return res, fmt.Errorf("sqlite: inbound %s: %w", cv.Channel, bot.ErrDuplicate)
		}
	}
	for _, e := range c.Entries {
		if _, err := insMsg.ExecContext(ctx, res.ConvID, cv.Channel, e.Kind, e.Author, e.Text, encodeButtons(e.Buttons),
			"", string(e.Intent), string(e.Lang), string(e.Verdict), e.Confidence, at); err != nil {
			return res, fmt.Errorf("sqlite: insert entry: %w", err)
		}
	}
	insOut := tx.StmtContext(ctx, s.stmts.insOutbox)
	// The replies are leased only when every reply pending before them is
	// the same dispatcher's.
	var lease int64
	var owner string
	if l := c.Lease; len(c.Out) > 0 && l != nil && l.Owner != "" {
		var blocked bool
		if err := tx.StmtContext(ctx, s.stmts.pendingOf).QueryRowContext(ctx, res.ConvID, l.Owner, ms(l.Now)).Scan(&blocked); err != nil {
			return res, fmt.Errorf("sqlite: pending outbox: %w", err)
		}
		if !blocked {
			lease, owner, res.Leased = ms(l.Until), l.Owner, true
		}
	}
	for _, o := range c.Out {
		author := "bot"
		if o.Kind == bot.KindAgent {
			author = cv.Agent
		}
		r, err := insMsg.ExecContext(ctx, res.ConvID, cv.Channel, o.Kind, author, o.Reply.Text, encodeButtons(o.Reply.Buttons),
			"", "", string(o.Lang), "", 0, at)
		if err != nil {
			return res, fmt.Errorf("sqlite: insert outbound: %w", err)
		}
		msgID, err := r.LastInsertId()
		if err != nil {
			return res, fmt.Errorf("sqlite: outbound id: %w", err)
		}
		reply, err := json.Marshal(o.Reply)
		if err != nil {
			return res, fmt.Errorf("sqlite: encode reply: %w", err)
		}
		r, err = insOut.ExecContext(ctx, res.ConvID, msgID, o.Channel, o.ChatID, o.Kind, string(o.Lang), string(reply), at, at, lease, owner)
		if err != nil {
			return res, fmt.Errorf("sqlite: insert outbox: %w", err)
		}
		id, err := r.LastInsertId()
		if err != nil {
			return res, fmt.Errorf("sqlite: outbox id: %w", err)
		}
		res.OutboxIDs = append(res.OutboxIDs, id)
	}
	if h := c.Handoff; h != nil {
		if h.Create {
			r, err := tx.StmtContext(ctx, s.stmts.insHandoff).ExecContext(ctx, res.ConvID, h.H.Reason, string(bot.HandoffWaiting),
				h.H.Agent, string(h.H.Lang), at)
			if err != nil {
				return res, fmt.Errorf("sqlite: insert handoff: %w", err)
			}
			if res.HandoffID, err = r.LastInsertId(); err != nil {
				return res, fmt.Errorf("sqlite: handoff id: %w", err)
			}
			if _, err := tx.StmtContext(ctx, s.stmts.setConvHandoff).ExecContext(ctx, res.HandoffID, res.ConvID); err != nil {
				return res, fmt.Errorf("sqlite: link handoff: %w", err)
			}
		} else {
			r, err := tx.StmtContext(ctx, s.stmts.updHandoff).ExecContext(ctx, string(h.H.Status), h.H.Agent, ms(h.H.TakenAt),
				ms(h.H.ResolvedAt), ms(h.H.NoticeAt), h.H.CSAT, h.H.ID)
			if err != nil {
				return res, fmt.Errorf("sqlite: update handoff: %w", err)
			}
			if n, _ := r.RowsAffected(); n == 0 {
				return res, fmt.Errorf("sqlite: handoff %d: %w", h.H.ID, bot.ErrNotFound)
			}
		}
	}
	if cs := c.CSAT; cs != nil {
		if _, err := tx.ExecContext(ctx, `UPDATE handoffs SET csat = ? WHERE id = ?`, cs.Score, cs.HandoffID); err != nil {
			return res, fmt.Errorf("sqlite: store csat: %w", err)
		}
	}
	for _, f := range c.Feedback {
		helpful := 0
		if f.Helpful {
			helpful = 1
		}
		if _, err := tx.StmtContext(ctx, s.stmts.insFeedback).ExecContext(ctx, res.ConvID, string(f.Intent), string(f.Lang), helpful, at); err != nil {
			return res, fmt.Errorf("sqlite: insert feedback: %w", err)
		}
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
