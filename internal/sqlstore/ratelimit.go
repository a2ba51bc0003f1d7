package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/gatehouse/gatehouse"
)

// RateLimit records one event for key at now and reports whether it is
// allowed, in one transaction. Each limit is a fixed window: the counter of
// (key, window length) restarts when now enters a new window
// (floor(now / window)). An event that takes any counter past its Max
// blocks the key until now+block (until the end of that window when block
// is 0); while blocked, events are refused without being counted. The
// counter upsert is atomic on both backends, so instances sharing the
// database see exact counts.
func (s *Store) RateLimit(ctx context.Context, key string, limits []gatehouse.RateLimit, block time.Duration, now time.Time) (allowed bool, retryAfter time.Duration, err error) {
	nowUS := micros(now)
	err = s.tx(ctx, func(tx *sql.Tx) error {
		var until int64
		err := tx.QueryRowContext(ctx, s.q(`SELECT blocked_until FROM rate_limit_blocks WHERE rl_key = ? AND blocked_until > ?`),
			key, nowUS).Scan(&until)
		if err == nil {
			retryAfter = time.Duration(until-nowUS) * time.Microsecond
			return nil
		} else if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		allowed = true
		var windowEnd int64
		for _, l := range limits {
			w := l.Window.Microseconds()
			if w <= 0 {
				continue
			}
			start := nowUS - ((nowUS%w)+w)%w // floor, also before 1970
			var hits int
			err := tx.QueryRowContext(ctx, s.q(`INSERT INTO rate_limit_counters (rl_key, window_us, window_start, hits)
				VALUES (?, ?, ?, 1)
				ON CONFLICT (rl_key, window_us) DO UPDATE SET
					hits = CASE WHEN rate_limit_counters.window_start = excluded.window_start
						THEN rate_limit_counters.hits + 1 ELSE 1 END,
					window_start = excluded.window_start
				RETURNING hits`), key, w, start).Scan(&hits)
			if err != nil {
				return err
			}
			if hits > l.Max {
				allowed = false
				windowEnd = max(windowEnd, start+w)
			}
		}
		if allowed {
			return nil
		}
		until = windowEnd
		if block > 0 {
			until = nowUS + block.Microseconds()
		}
		retryAfter = time.Duration(until-nowUS) * time.Microsecond
		_, err = tx.ExecContext(ctx, s.q(`INSERT INTO rate_limit_blocks (rl_key, blocked_until) VALUES (?, ?)
			ON CONFLICT (rl_key) DO UPDATE SET blocked_until = excluded.blocked_until`), key, until)
		return err
	})
	if err != nil {
		return false, 0, s.wrap(err, "rate limit")
	}
	return allowed, retryAfter, nil
}

// purgeBatch bounds each DELETE of Purge so that a large backlog never
// holds the (SQLite) write lock for long.
const purgeBatch = 1000

// Purge deletes sessions and login codes whose expiry is before now,
// rate-limit windows that ended at or before now and blocks that are over,
// in batches, and returns the number of rows deleted.
func (s *Store) Purge(ctx context.Context, now time.Time) (int, error) {
	nowUS := micros(now)
	steps := []string{
		`DELETE FROM customer_sessions WHERE id IN (SELECT id FROM customer_sessions WHERE expires_at < ? LIMIT ?)`,
		`DELETE FROM login_codes WHERE seq IN (SELECT seq FROM login_codes WHERE expires_at < ? LIMIT ?)`,
		`DELETE FROM rate_limit_counters WHERE (rl_key, window_us) IN (SELECT rl_key, window_us FROM rate_limit_counters
			WHERE window_start + window_us <= ? LIMIT ?)`,
		`DELETE FROM rate_limit_blocks WHERE rl_key IN (SELECT rl_key FROM rate_limit_blocks WHERE blocked_until <= ? LIMIT ?)`,
	}
	total := 0
	for _, q := range steps {
		for {
			res, err := s.w.ExecContext(ctx, s.q(q), nowUS, purgeBatch)
			if err != nil {
				return total, s.wrap(err, "purge")
			}
			n, err := res.RowsAffected()
			if err != nil {
				return total, s.wrap(err, "purge")
			}
			total += int(n)
			if n < purgeBatch {
				break
			}
		}
	}
	return total, nil
}
