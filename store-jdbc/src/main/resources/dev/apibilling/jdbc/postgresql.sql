-- apibilling JDBC usage store, PostgreSQL (10 or later) schema.
-- ${prefix} is the table prefix (default apibilling_); to apply by hand:
--   sed 's/${prefix}/apibilling_/g' postgresql.sql | psql -v ON_ERROR_STOP=1 -d mydb
-- Every statement is idempotent (IF NOT EXISTS / OR REPLACE), so applying it again upgrades in place.
-- Times are epoch milliseconds of the application's clock, never the database's.

-- The count of one quota window of one client. bucket_credits are credits charged on bucket_day through
-- this row that are not in the daily table yet (see "Daily totals" below). hold_until is at or before the
-- expiry of every reservation holding credits in this window (NULL: none holds any), so a plain charge
-- that finds it in the future need not look for expired reservations (see charge_one).
CREATE TABLE IF NOT EXISTS ${prefix}windows (
  client_id      text   NOT NULL,
  policy         text   NOT NULL,
  window_start   bigint NOT NULL,
  window_end     bigint NOT NULL,
  used           bigint NOT NULL,
  bucket_day     bigint,
  bucket_credits bigint NOT NULL DEFAULT 0,
  hold_until     bigint,
  PRIMARY KEY (client_id, policy, window_start)
);
CREATE INDEX IF NOT EXISTS ${prefix}windows_end ON ${prefix}windows (window_end);
-- Upgrade of a windows table made before the buckets (schemas before 2026-12): its rows get no bucket, so
-- their next charge starts one; nothing else changes. Checked first, so an up-to-date table is not locked.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_attribute
                  WHERE attrelid = '${prefix}windows'::regclass AND attname = 'bucket_day' AND NOT attisdropped) THEN
    ALTER TABLE ${prefix}windows ADD COLUMN IF NOT EXISTS bucket_day bigint,
                                 ADD COLUMN IF NOT EXISTS bucket_credits bigint NOT NULL DEFAULT 0;
  END IF;
END;
$$;

-- A granted outcome remembered under its idempotency key.
CREATE TABLE IF NOT EXISTS ${prefix}idempotency (
  client_id      text     NOT NULL,
  idem_key       text     NOT NULL,
  used           bigint[] NOT NULL,
  reservation_id text,
  expires_at     bigint   NOT NULL,
  PRIMARY KEY (client_id, idem_key)
);
CREATE INDEX IF NOT EXISTS ${prefix}idempotency_expires ON ${prefix}idempotency (expires_at);

-- Credits held by an unsettled reservation, the windows and day they were counted in, the idempotency key it
-- was made under (its outcome is forgotten when the reservation is given back in full) and the operation
-- whose daily total they count in (NULL: none).
CREATE TABLE IF NOT EXISTS ${prefix}reservations (
  client_id      text     NOT NULL,
  reservation_id text     NOT NULL,
  credits        bigint   NOT NULL,
  epoch_day      bigint   NOT NULL,
  policies       text[]   NOT NULL,
  starts         bigint[] NOT NULL,
  expires_at     bigint   NOT NULL,
  idem_key       text,
  operation      text,
  PRIMARY KEY (client_id, reservation_id)
);
CREATE INDEX IF NOT EXISTS ${prefix}reservations_client_expires ON ${prefix}reservations (client_id, expires_at);
CREATE INDEX IF NOT EXISTS ${prefix}reservations_expires ON ${prefix}reservations (expires_at);
-- Upgrade of a reservations table made before the operation history (schemas before 2026-12-01): a nullable
-- column, so its rows are reservations of no operation. Checked first, so an up-to-date table is not locked.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_attribute
                  WHERE attrelid = '${prefix}reservations'::regclass AND attname = 'operation' AND NOT attisdropped) THEN
    ALTER TABLE ${prefix}reservations ADD COLUMN IF NOT EXISTS operation text;
  END IF;
END;
$$;
-- Upgrade of a windows table made before the holds (schemas before 2026-12-02): every window row of a client
-- with reservations gets the earliest expiry of that client's reservations (a bound for each of them).
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_attribute
                  WHERE attrelid = '${prefix}windows'::regclass AND attname = 'hold_until' AND NOT attisdropped) THEN
    ALTER TABLE ${prefix}windows ADD COLUMN IF NOT EXISTS hold_until bigint;
    UPDATE ${prefix}windows w SET hold_until = x.expires_at
      FROM (SELECT client_id, MIN(expires_at) AS expires_at FROM ${prefix}reservations GROUP BY client_id) x
     WHERE w.client_id = x.client_id;
  END IF;
END;
$$;

-- Daily totals: one row per client and day (epoch day in the billing's history zone), not a row per request.
-- A day's total is its row's credits plus the bucket_credits of the client's windows whose bucket_day it is
-- (at most 2^53 - 1). A decision adds its credits to the bucket of its first window when that row already
-- counts the day (one row write per decision), else to the daily row, and the window starts counting the
-- day (once per window and day). Buckets move into the daily rows when credits of their day are given back
-- or deleted, and when the purge deletes their window.
CREATE TABLE IF NOT EXISTS ${prefix}daily (
  client_id text   NOT NULL,
  epoch_day bigint NOT NULL,
  credits   bigint NOT NULL,
  PRIMARY KEY (client_id, epoch_day)
);

-- Daily totals of an operation (issue 14): the credits of the granted charges and reservations of one
-- operation (ChargeRequest.operation) per client and day, less what was given back; these credits are in the
-- client's daily totals too. Written directly (no buckets), by decisions of an operation only.
CREATE TABLE IF NOT EXISTS ${prefix}operation_daily (
  client_id text   NOT NULL,
  operation text   NOT NULL,
  epoch_day bigint NOT NULL,
  credits   bigint NOT NULL,
  PRIMARY KEY (client_id, operation, epoch_day)
);

-- Usage events (issue 13): one row per billed charge, written by charge/settle in the same transaction as
-- its credits; seq is the record order exporters claim in. payload is the CloudEvents JSON, kept verbatim.
-- Half of each page is left free for the claim's update, which changes no indexed column, so it stays on the
-- page (a HOT update: no new index entries).
CREATE TABLE IF NOT EXISTS ${prefix}events (
  seq           bigserial PRIMARY KEY,
  client_id     text   NOT NULL,
  event_id      text   NOT NULL,
  event_time    bigint NOT NULL,
  payload       text   NOT NULL,
  claimed_by    text,
  claimed_until bigint,
  delivered_at  bigint
) WITH (fillfactor = 50);
CREATE INDEX IF NOT EXISTS ${prefix}events_undelivered ON ${prefix}events (seq) WHERE delivered_at IS NULL;
CREATE INDEX IF NOT EXISTS ${prefix}events_client ON ${prefix}events (client_id, seq);
CREATE INDEX IF NOT EXISTS ${prefix}events_delivered ON ${prefix}events (delivered_at) WHERE delivered_at IS NOT NULL;

-- Records a usage event (p_event NULL: none). Called by charge and settle, inside their transaction.
CREATE OR REPLACE FUNCTION ${prefix}record_event(p_client text, p_event_id text, p_event_time bigint,
    p_event text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF p_event IS NOT NULL THEN
    INSERT INTO ${prefix}events (client_id, event_id, event_time, payload)
    VALUES (p_client, p_event_id, p_event_time, p_event);
  END IF;
END;
$$;

-- Serializes every change of one client's reservations, idempotency keys and history: a transaction-scoped
-- advisory lock on (prefix, client), taken before any row lock (see "Lock order" below).
-- (PL/pgSQL rather than SQL functions throughout: PL/pgSQL keeps its plans for the session.)
CREATE OR REPLACE FUNCTION ${prefix}lock_client(p_client text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('${prefix}'), hashtext(p_client));
END;
$$;

-- The used count of each given window, in order; first keeps every existing count of them until its window's
-- end (a plan change may have made the window with a kept start end later), locking the rows it changes in
-- window order (policy, window_start), as every routine locks window rows. Caller holds the lock.
CREATE OR REPLACE FUNCTION ${prefix}keep_windows(p_client text, p_policies text[], p_starts bigint[],
    p_ends bigint[]) RETURNS bigint[]
LANGUAGE plpgsql AS $$
DECLARE
  v_used bigint[];
BEGIN
  PERFORM 1 FROM ${prefix}windows w
    JOIN unnest(p_policies, p_starts, p_ends) AS k(policy, window_start, window_end)
      ON w.client_id = p_client AND w.policy = k.policy AND w.window_start = k.window_start
   WHERE w.window_end < k.window_end
   ORDER BY w.policy, w.window_start FOR UPDATE OF w;
  IF FOUND THEN
    UPDATE ${prefix}windows w SET window_end = k.window_end
      FROM unnest(p_policies, p_starts, p_ends) AS k(policy, window_start, window_end)
     WHERE w.client_id = p_client AND w.policy = k.policy AND w.window_start = k.window_start
       AND w.window_end < k.window_end;
  END IF;
  SELECT array_agg(COALESCE(w.used, 0) ORDER BY k.ord) INTO v_used
    FROM unnest(p_policies, p_starts) WITH ORDINALITY AS k(policy, window_start, ord)
    LEFT JOIN ${prefix}windows w
      ON w.client_id = p_client AND w.policy = k.policy AND w.window_start = k.window_start;
  RETURN COALESCE(v_used, '{}');
END;
$$;

-- Adds (or, negative, subtracts) credits to a day's total, never below zero.
CREATE OR REPLACE FUNCTION ${prefix}add_daily(p_client text, p_day bigint, p_credits bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO ${prefix}daily AS d (client_id, epoch_day, credits)
  VALUES (p_client, p_day, GREATEST(0, p_credits))
  ON CONFLICT (client_id, epoch_day) DO UPDATE SET credits = LEAST(9007199254740991, GREATEST(0, d.credits + p_credits));
END;
$$;

-- Adds (or, negative, subtracts) credits to an operation's day total, never below zero.
CREATE OR REPLACE FUNCTION ${prefix}add_operation_daily(p_client text, p_operation text, p_day bigint,
    p_credits bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO ${prefix}operation_daily AS o (client_id, operation, epoch_day, credits)
  VALUES (p_client, p_operation, p_day, GREATEST(0, p_credits))
  ON CONFLICT (client_id, operation, epoch_day)
  DO UPDATE SET credits = LEAST(9007199254740991, GREATEST(0, o.credits + p_credits));
END;
$$;

-- Lock order, in every routine: the client's advisory lock (when taken) first; then window rows, in window
-- order (policy, window_start), one row at a time or by one ORDER BY ... FOR UPDATE; then daily rows in day
-- order; then operation daily rows, last (a decision takes one; only routines holding the client's lock take
-- several). A routine never waits for a window row while it holds a daily row, nor for either while it holds
-- an operation daily row, so no two transactions wait on each other in opposite orders. One exception:
-- charge_one, holding its window row, only tries the client's lock (release_holds), and when it then gives
-- back expired reservations it locks the client's other window rows after its own; a plain charge of
-- several windows of that client waiting on its row meanwhile makes a deadlock, which PostgreSQL breaks
-- (SQLState 40P01, retried). It needs a reservation that expired unsettled, so it is rare.

-- Adds p_credits to each given window and to the client's day p_day, if every window admits them (limits of
-- -1 are unlimited); returns the counts after, in window order, or NULL when a window refuses (then nothing
-- is changed). Needs no client lock: each window is one conditional upsert that checks and adds under the
-- row's lock, the windows taken in window order. When a window refuses, the ones before it (still locked)
-- are set back to their counts before: an add that a later window could refuse is made only when it does
-- not saturate (else the row, locked, is read first), so each count before is known exactly. The day's
-- credits go to the bucket of the first window when its row already counts p_day, else to the daily row (a
-- new window row, or one whose bucket is of another day: that bucket moves to its daily row too); the daily
-- rows are written last, after every window row is locked. A reservation passes its expiry as p_hold: each
-- of its windows keeps it as hold_until when it is earlier (a window refused leaves it lowered: still a bound).
DROP FUNCTION IF EXISTS ${prefix}flush_day(text, bigint);
DROP FUNCTION IF EXISTS ${prefix}add_windows(text, text[], bigint[], bigint[], bigint[], bigint, bigint);
CREATE OR REPLACE FUNCTION ${prefix}add_windows(p_client text, p_policies text[], p_starts bigint[],
    p_ends bigint[], p_limits bigint[], p_credits bigint, p_day bigint, p_hold bigint) RETURNS bigint[]
LANGUAGE plpgsql AS $$
DECLARE
  n integer := coalesce(cardinality(p_policies), 0);
  v_order integer[];
  v_used bigint[] := array_fill(0::bigint, ARRAY[n]);
  v_before bigint[] := array_fill(0::bigint, ARRAY[n]);
  v_last_limited integer := 0;
  v_exact boolean;
  v_bucketed boolean := false;
  v_old_day bigint;
  v_old_credits bigint := 0;
  v_row record;
  i integer;
BEGIN
  IF n = 0 THEN
    PERFORM ${prefix}add_daily(p_client, p_day, p_credits);
    RETURN '{}';
  END IF;
  IF n = 1 THEN
    v_order := '{1}';
  ELSE
    SELECT array_agg(o ORDER BY p_policies[o], p_starts[o]) INTO v_order FROM generate_series(1, n) AS o;
  END IF;
  FOR k IN 1 .. n LOOP
    i := v_order[k];
    IF p_limits[i] <> -1 THEN
      IF p_credits > p_limits[i] THEN
        RETURN NULL;  -- refused before anything was written
      END IF;
      v_last_limited := k;
    END IF;
  END LOOP;
  FOR k IN 1 .. n LOOP
    i := v_order[k];
    v_exact := k < v_last_limited;  -- a later window may refuse: this add must be undone exactly
    IF k = 1 THEN
      INSERT INTO ${prefix}windows AS w (client_id, policy, window_start, window_end, used, bucket_day, bucket_credits,
                                         hold_until)
      VALUES (p_client, p_policies[i], p_starts[i], p_ends[i], p_credits, p_day, 0, p_hold)
      ON CONFLICT (client_id, policy, window_start) DO UPDATE
         SET used = LEAST(9007199254740991, w.used + EXCLUDED.used),
             window_end = GREATEST(w.window_end, EXCLUDED.window_end),
             bucket_credits = LEAST(9007199254740991, w.bucket_credits + EXCLUDED.used),
             hold_until = LEAST(w.hold_until, p_hold)
       WHERE (p_limits[i] = -1 OR w.used + EXCLUDED.used <= p_limits[i]) AND w.bucket_day = p_day
         AND (NOT v_exact OR (w.used + EXCLUDED.used <= 9007199254740991
                              AND w.bucket_credits + EXCLUDED.used <= 9007199254740991))
      RETURNING w.used, w.bucket_credits INTO v_row;
      -- a new row (its bucket empty) starts counting the day from the daily row
      v_bucketed := FOUND AND v_row.bucket_credits <> 0;
    ELSE
      INSERT INTO ${prefix}windows AS w (client_id, policy, window_start, window_end, used, hold_until)
      VALUES (p_client, p_policies[i], p_starts[i], p_ends[i], p_credits, p_hold)
      ON CONFLICT (client_id, policy, window_start) DO UPDATE
         SET used = LEAST(9007199254740991, w.used + EXCLUDED.used),
             window_end = GREATEST(w.window_end, EXCLUDED.window_end),
             hold_until = LEAST(w.hold_until, p_hold)
       WHERE (p_limits[i] = -1 OR w.used + EXCLUDED.used <= p_limits[i])
         AND (NOT v_exact OR w.used + EXCLUDED.used <= 9007199254740991)
      RETURNING w.used, w.bucket_credits INTO v_row;
    END IF;
    IF FOUND THEN
      v_before[i] := v_row.used - p_credits;  -- exact: not saturated where it may be undone
    ELSE
      -- the row is there and locked: over its limit, its bucket of another day (the first window), or the
      -- add would saturate
      SELECT w.used, w.bucket_day, w.bucket_credits INTO v_row FROM ${prefix}windows w
       WHERE w.client_id = p_client AND w.policy = p_policies[i] AND w.window_start = p_starts[i];
      IF p_limits[i] <> -1 AND v_row.used + p_credits > p_limits[i] THEN
        -- refused: set the windows before it (locked) back
        FOR j IN 1 .. k - 1 LOOP
          UPDATE ${prefix}windows w
             SET used = v_before[v_order[j]],
                 bucket_day = CASE WHEN j = 1 AND v_old_credits <> 0 THEN v_old_day ELSE w.bucket_day END,
                 bucket_credits = CASE WHEN j = 1 AND v_old_credits <> 0 THEN v_old_credits
                                       WHEN j = 1 AND v_bucketed THEN w.bucket_credits - p_credits
                                       ELSE w.bucket_credits END
           WHERE w.client_id = p_client AND w.policy = p_policies[v_order[j]]
             AND w.window_start = p_starts[v_order[j]];
        END LOOP;
        RETURN NULL;
      END IF;
      v_before[i] := v_row.used;
      IF k = 1 THEN
        -- its bucket (if any) moves to its daily row below, and the day's credits go to the daily row
        v_old_day := v_row.bucket_day;
        v_old_credits := v_row.bucket_credits;
        UPDATE ${prefix}windows w
           SET used = LEAST(9007199254740991, w.used + p_credits), window_end = GREATEST(w.window_end, p_ends[i]),
               bucket_day = p_day, bucket_credits = 0, hold_until = LEAST(w.hold_until, p_hold)
         WHERE w.client_id = p_client AND w.policy = p_policies[i] AND w.window_start = p_starts[i]
        RETURNING w.used INTO v_row;
      ELSE
        UPDATE ${prefix}windows w
           SET used = LEAST(9007199254740991, w.used + p_credits), window_end = GREATEST(w.window_end, p_ends[i]),
               hold_until = LEAST(w.hold_until, p_hold)
         WHERE w.client_id = p_client AND w.policy = p_policies[i] AND w.window_start = p_starts[i]
        RETURNING w.used INTO v_row;
      END IF;
    END IF;
    v_used[i] := v_row.used;
  END LOOP;
  -- every window row is locked: now the daily rows, in day order
  IF v_old_credits <> 0 AND v_old_day < p_day THEN
    PERFORM ${prefix}add_daily(p_client, v_old_day, v_old_credits);
  END IF;
  IF NOT v_bucketed THEN
    PERFORM ${prefix}add_daily(p_client, p_day, p_credits);
  END IF;
  IF v_old_credits <> 0 AND v_old_day >= p_day THEN
    PERFORM ${prefix}add_daily(p_client, v_old_day, v_old_credits);
  END IF;
  RETURN v_used;
END;
$$;

-- Gives credits of a reservation back to the windows still present and to its day p_day; the buckets of
-- p_day move into its daily row first (so the day's total is its row, given back exactly). The reservation's
-- windows and the rows with a bucket of p_day are locked together in window order, the daily row after.
-- Caller holds the client's lock.
CREATE OR REPLACE FUNCTION ${prefix}give_back(p_client text, p_policies text[], p_starts bigint[],
    p_credits bigint, p_day bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  r record;
  v_flushed bigint := 0;
BEGIN
  IF p_credits = 0 THEN
    RETURN;
  END IF;
  FOR r IN SELECT w.policy, w.window_start, w.bucket_day, w.bucket_credits,
                  (w.policy, w.window_start) IN (SELECT * FROM unnest(p_policies, p_starts)) AS reserved
             FROM ${prefix}windows w
            WHERE w.client_id = p_client
              AND ((w.bucket_day = p_day AND w.bucket_credits <> 0)
                   OR (w.policy, w.window_start) IN (SELECT * FROM unnest(p_policies, p_starts)))
            ORDER BY w.policy, w.window_start FOR UPDATE OF w LOOP
    IF r.bucket_day = p_day THEN
      v_flushed := v_flushed + r.bucket_credits;
    END IF;
    UPDATE ${prefix}windows w
       SET used = CASE WHEN r.reserved THEN GREATEST(0, w.used - p_credits) ELSE w.used END,
           bucket_credits = CASE WHEN r.bucket_day = p_day THEN 0 ELSE w.bucket_credits END
     WHERE w.client_id = p_client AND w.policy = r.policy AND w.window_start = r.window_start;
  END LOOP;
  IF v_flushed <> 0 THEN
    PERFORM ${prefix}add_daily(p_client, p_day, v_flushed);
  END IF;
  PERFORM ${prefix}add_daily(p_client, p_day, -p_credits);
END;
$$;

-- Forgets the idempotency outcome recorded with a reservation given back in full (a request never charged:
-- its retry is decided anew), unless the key's outcome is another one by now.
CREATE OR REPLACE FUNCTION ${prefix}forget_outcome(p_client text, p_key text, p_reservation text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF p_key IS NOT NULL THEN
    DELETE FROM ${prefix}idempotency k
     WHERE k.client_id = p_client AND k.idem_key = p_key AND k.reservation_id = p_reservation;
  END IF;
END;
$$;

-- Releases every reservation of the client that expired at p_now, forgetting their outcomes. When there are
-- any, all the client's window rows are locked first, in window order (each reservation's give_back then
-- finds its rows locked already), and the reservations are given back in day order, so the daily rows too
-- are locked in order; their operations' day totals come last, in (day, operation) order. Caller holds the
-- lock.
CREATE OR REPLACE FUNCTION ${prefix}expire_reservations(p_client text, p_now bigint) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  r record;
  n integer := 0;
  v_hold bigint;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM ${prefix}reservations x WHERE x.client_id = p_client AND x.expires_at <= p_now) THEN
    RETURN 0;
  END IF;
  PERFORM 1 FROM ${prefix}windows w WHERE w.client_id = p_client ORDER BY w.policy, w.window_start FOR UPDATE;
  FOR r IN SELECT x.reservation_id, x.policies, x.starts, x.credits, x.epoch_day, x.idem_key
             FROM ${prefix}reservations x
            WHERE x.client_id = p_client AND x.expires_at <= p_now
            ORDER BY x.epoch_day, x.reservation_id LOOP
    PERFORM ${prefix}give_back(p_client, r.policies, r.starts, r.credits, r.epoch_day);
    PERFORM ${prefix}forget_outcome(p_client, r.idem_key, r.reservation_id);
    n := n + 1;
  END LOOP;
  FOR r IN SELECT x.epoch_day, x.operation, LEAST(9007199254740991, SUM(x.credits))::bigint AS credits
             FROM ${prefix}reservations x
            WHERE x.client_id = p_client AND x.expires_at <= p_now AND x.operation IS NOT NULL
            GROUP BY x.epoch_day, x.operation ORDER BY x.epoch_day, x.operation LOOP
    PERFORM ${prefix}add_operation_daily(p_client, r.operation, r.epoch_day, -r.credits);
  END LOOP;
  DELETE FROM ${prefix}reservations x WHERE x.client_id = p_client AND x.expires_at <= p_now;
  -- the reservations left bound the holds again (every window row is locked, and so is the client)
  SELECT MIN(x.expires_at) INTO v_hold FROM ${prefix}reservations x WHERE x.client_id = p_client;
  UPDATE ${prefix}windows w SET hold_until = v_hold
   WHERE w.client_id = p_client AND w.hold_until IS NOT NULL AND w.hold_until IS DISTINCT FROM v_hold;
  RETURN n;
END;
$$;

-- Makes a window's hold_until true again if it has passed (charge_one, before it decides the long way):
-- locks the row, then gives back the client's expired reservations, which sets every hold of the client
-- anew, or when none has expired (the reservations holding credits were settled), sets this row's hold to
-- the earliest expiry of the client's reservations. A reservation holding credits in the row has either
-- committed before the row was locked (so it is seen here) or will lower the hold itself when it locks the
-- row. Giving back needs the client's lock, taken before any row lock elsewhere; this holds a row lock
-- already, so it only tries: when another transaction has the client's lock, this one fails with a serialization failure
-- (SQLState 40001) rather than wait for it in the wrong order, and the store makes the charge through
-- charge instead, which waits for the lock before it locks any row (a previous version retries the call).
CREATE OR REPLACE FUNCTION ${prefix}release_holds(p_client text, p_policy text, p_start bigint, p_now bigint)
RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM ${prefix}windows w
    WHERE w.client_id = p_client AND w.policy = p_policy AND w.window_start = p_start AND w.hold_until <= p_now
    FOR UPDATE;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  IF EXISTS (SELECT 1 FROM ${prefix}reservations x WHERE x.client_id = p_client AND x.expires_at <= p_now) THEN
    IF NOT pg_try_advisory_xact_lock(hashtext('${prefix}'), hashtext(p_client)) THEN
      RAISE EXCEPTION USING ERRCODE = 'serialization_failure',
        MESSAGE = 'the reservations of client ' || p_client || ' are changing; retry the charge';
    END IF;
    PERFORM ${prefix}expire_reservations(p_client, p_now);
  ELSE
    UPDATE ${prefix}windows w
       SET hold_until = (SELECT MIN(x.expires_at) FROM ${prefix}reservations x WHERE x.client_id = p_client)
     WHERE w.client_id = p_client AND w.policy = p_policy AND w.window_start = p_start;
  END IF;
END;
$$;

-- One decision (UsageStore.charge), in one statement and one transaction. The parameters, by position (the
-- Java side names them in Protocol.PostgresCharge, in this order):
--    1 p_client              the client id
--    2 p_policies            the windows' policies ...
--    3 p_starts              ... their starts (epoch ms) ...
--    4 p_ends                ... their ends ...
--    5 p_limits              ... and their limits (-1: unlimited), all four in the same order
--    6 p_credits             the credits asked for
--    7 p_mode                0 check, 1 charge, 2 reserve (Protocol.modeCode)
--    8 p_key                 the idempotency key, or NULL
--    9 p_key_expires         when the key's outcome expires
--   10 p_reservation         the reservation's id (reserve), else NULL
--   11 p_reservation_expires when the reservation expires
--   12 p_day                 the epoch day the credits count for
--   13 p_now                 the caller's time (epoch ms)
--   14 p_event_id            the usage event's id, time and CloudEvents JSON (a granted charge records it;
--   15 p_event_time          NULL p_event: none)
--   16 p_event
--   17 p_operation           the operation whose quotas are among the windows (ChargeRequest.operation), or
--                            NULL: a granted charge or reservation also adds its credits to that operation's
--                            day total, and a reservation remembers it for what it gives back
-- It answers one row (Protocol.ChargeAnswer: granted, replayed, used, reservation_id): used holds the
-- windows' counts in order; a replay answers the counts now, followed, for a reservation, by the credits it
-- still holds and when it expires (0 and p_now once it is settled). Counts and day totals saturate at 2^53 - 1.
-- A plain check or charge takes no client lock (add_windows checks and adds under each window row's lock);
-- an idempotent request, a reservation, and giving back expired reservations take the client's advisory
-- lock first, as every other change of reservations and idempotency keys does.
DROP FUNCTION IF EXISTS ${prefix}charge(text, text[], bigint[], bigint[], bigint[], bigint, integer, text,
    bigint, text, bigint, bigint, bigint);
DROP FUNCTION IF EXISTS ${prefix}charge(text, text[], bigint[], bigint[], bigint[], bigint, integer, text,
    bigint, text, bigint, bigint, bigint, text, bigint, text);
CREATE OR REPLACE FUNCTION ${prefix}charge(p_client text, p_policies text[], p_starts bigint[],
    p_ends bigint[], p_limits bigint[], p_credits bigint, p_mode integer, p_key text,
    p_key_expires bigint, p_reservation text, p_reservation_expires bigint, p_day bigint, p_now bigint,
    p_event_id text, p_event_time bigint, p_event text, p_operation text)
RETURNS TABLE (granted boolean, replayed boolean, used bigint[], reservation_id text)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
  n integer := coalesce(cardinality(p_policies), 0);
  v_locked boolean := p_mode = 2 OR p_key IS NOT NULL;
  v_used bigint[];
  v_key record;
  v_held record;
BEGIN
  IF v_locked THEN
    PERFORM pg_advisory_xact_lock(hashtext('${prefix}'), hashtext(p_client));
  END IF;
  replayed := false;
  reservation_id := NULL;
  IF EXISTS (SELECT 1 FROM ${prefix}reservations x WHERE x.client_id = p_client AND x.expires_at <= p_now) THEN
    IF NOT v_locked THEN
      PERFORM pg_advisory_xact_lock(hashtext('${prefix}'), hashtext(p_client));
    END IF;
    PERFORM ${prefix}expire_reservations(p_client, p_now);
  END IF;
  IF p_key IS NOT NULL THEN
    SELECT k.used, k.reservation_id, k.expires_at INTO v_key
      FROM ${prefix}idempotency k WHERE k.client_id = p_client AND k.idem_key = p_key;
    IF FOUND THEN
      IF v_key.expires_at > p_now THEN
        granted := true;
        replayed := true;
        used := ${prefix}keep_windows(p_client, p_policies, p_starts, p_ends);
        reservation_id := v_key.reservation_id;
        IF reservation_id IS NOT NULL THEN
          SELECT x.credits, x.expires_at INTO v_held
            FROM ${prefix}reservations x WHERE x.client_id = p_client AND x.reservation_id = v_key.reservation_id;
          IF FOUND THEN
            used := used || ARRAY[v_held.credits, v_held.expires_at];
          ELSE
            used := used || ARRAY[0, p_now];
          END IF;
        END IF;
        RETURN NEXT;
        RETURN;
      END IF;
      DELETE FROM ${prefix}idempotency k WHERE k.client_id = p_client AND k.idem_key = p_key;
    END IF;
  END IF;
  IF p_mode <> 0 THEN
    v_used := ${prefix}add_windows(p_client, p_policies, p_starts, p_ends, p_limits, p_credits, p_day,
        CASE WHEN p_mode = 2 THEN p_reservation_expires END);
  END IF;
  IF v_used IS NULL THEN
    -- a check, or refused: the counts now (keeping each window until its end)
    v_used := ${prefix}keep_windows(p_client, p_policies, p_starts, p_ends);
    used := v_used;
    granted := true;
    FOR i IN 1 .. n LOOP
      IF p_limits[i] <> -1 AND v_used[i] + p_credits > p_limits[i] THEN
        granted := false;
      END IF;
    END LOOP;
    IF p_mode <> 0 THEN
      granted := false;
    END IF;
    RETURN NEXT;
    RETURN;
  END IF;
  granted := true;
  IF p_operation IS NOT NULL THEN
    -- after add_windows' window and daily rows: the operation's day row is locked last
    PERFORM ${prefix}add_operation_daily(p_client, p_operation, p_day, p_credits);
  END IF;
  IF p_mode = 2 THEN
    reservation_id := p_reservation;
    INSERT INTO ${prefix}reservations AS x
           (client_id, reservation_id, credits, epoch_day, policies, starts, expires_at, idem_key, operation)
    VALUES (p_client, p_reservation, p_credits, p_day, p_policies, p_starts, p_reservation_expires, p_key,
            p_operation)
    ON CONFLICT (client_id, reservation_id) DO UPDATE
       SET credits = EXCLUDED.credits, epoch_day = EXCLUDED.epoch_day, policies = EXCLUDED.policies,
           starts = EXCLUDED.starts, expires_at = EXCLUDED.expires_at, idem_key = EXCLUDED.idem_key,
           operation = EXCLUDED.operation;
  END IF;
  IF p_key IS NOT NULL THEN
    INSERT INTO ${prefix}idempotency AS k (client_id, idem_key, used, reservation_id, expires_at)
    VALUES (p_client, p_key, v_used, reservation_id, p_key_expires)
    ON CONFLICT (client_id, idem_key) DO UPDATE
       SET used = EXCLUDED.used, reservation_id = EXCLUDED.reservation_id, expires_at = EXCLUDED.expires_at;
  END IF;
  IF p_mode = 1 THEN
    PERFORM ${prefix}record_event(p_client, p_event_id, p_event_time, p_event);
  END IF;
  used := v_used;
  RETURN NEXT;
END;
$$;

-- The most common decision in less work: a plain charge (no idempotency key, no reservation) of one window,
-- with scalar parameters and a scalar answer, the same as charge otherwise, but for when it gives back
-- expired reservations: only when the window's hold_until has passed (see release_holds), where charge
-- looks for them on every call. The parameters, by position
-- (Protocol.ChargeOne):
--    1 p_client, 2 p_policy, 3 p_start, 4 p_end, 5 p_limit (-1: unlimited) of the window, 6 p_credits,
--    7 p_day, 8 p_now, 9 p_event_id, 10 p_event_time, 11 p_event (as charge's).
-- Answers the window's count after the charge, or -1 - its count when refused.
-- Its usage event is written before the window row is locked, so that a hot client's charges, which queue
-- on that row lock until each commits, do not also queue on one another's event writes; an event written
-- for a charge that is then refused is deleted again in the same transaction, and a window that already
-- looks spent (read without a lock) skips the early write (the event is written after the decision if the
-- charge is granted after all). So an event is committed if and only if the credits are, as elsewhere, but
-- the events of one client's concurrent charges may commit out of seq order (see usage_events).
CREATE OR REPLACE FUNCTION ${prefix}charge_one(p_client text, p_policy text, p_start bigint, p_end bigint,
    p_limit bigint, p_credits bigint, p_day bigint, p_now bigint, p_event_id text, p_event_time bigint,
    p_event text)
RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  v_row record;
  v_used bigint[];
  v_event bigint;
BEGIN
  -- two IFs, not one with AND: a condition with a subquery runs through the executor each time, even when
  -- p_event is null (usage events off); alone, p_event IS NOT NULL is a simple expression, evaluated cheaply
  IF p_event IS NOT NULL THEN
    IF p_limit = -1 OR NOT EXISTS (SELECT 1 FROM ${prefix}windows w
        WHERE w.client_id = p_client AND w.policy = p_policy AND w.window_start = p_start
          AND w.used > p_limit - p_credits) THEN
      INSERT INTO ${prefix}events (client_id, event_id, event_time, payload)
      VALUES (p_client, p_event_id, p_event_time, p_event)
      RETURNING seq INTO v_event;
    END IF;
  END IF;
  IF p_limit <> -1 AND p_credits > p_limit THEN
    -- refused whatever the count: the count to answer, with the window's expired reservations given back
    PERFORM ${prefix}release_holds(p_client, p_policy, p_start, p_now);
  ELSE
    -- add_windows' first window, inlined: into the bucket when the row counts the day already, and no
    -- reservation holding credits in it can have expired (so none needs giving back first)
    INSERT INTO ${prefix}windows AS w (client_id, policy, window_start, window_end, used, bucket_day, bucket_credits)
    VALUES (p_client, p_policy, p_start, p_end, p_credits, p_day, 0)
    ON CONFLICT (client_id, policy, window_start) DO UPDATE
       SET used = LEAST(9007199254740991, w.used + EXCLUDED.used),
           window_end = GREATEST(w.window_end, EXCLUDED.window_end),
           bucket_credits = LEAST(9007199254740991, w.bucket_credits + EXCLUDED.used)
     WHERE (p_limit = -1 OR w.used + EXCLUDED.used <= p_limit) AND w.bucket_day = p_day
       AND (w.hold_until IS NULL OR w.hold_until > p_now)
    RETURNING w.used, w.bucket_credits INTO v_row;
    IF FOUND THEN
      IF v_row.bucket_credits = 0 THEN
        PERFORM ${prefix}add_daily(p_client, p_day, p_credits);
      END IF;
      v_used := ARRAY[v_row.used];
    ELSE
      -- over the limit, the row counts another day, or its hold has passed: the general way (the row is
      -- locked by now), after giving back what expired
      PERFORM ${prefix}release_holds(p_client, p_policy, p_start, p_now);
      v_used := ${prefix}add_windows(p_client, ARRAY[p_policy], ARRAY[p_start], ARRAY[p_end], ARRAY[p_limit],
          p_credits, p_day, NULL);
    END IF;
  END IF;
  IF v_used IS NULL THEN
    IF v_event IS NOT NULL THEN
      DELETE FROM ${prefix}events WHERE seq = v_event;
    END IF;
    RETURN -1 - (${prefix}keep_windows(p_client, ARRAY[p_policy], ARRAY[p_start], ARRAY[p_end]))[1];
  END IF;
  IF p_event IS NOT NULL AND v_event IS NULL THEN
    PERFORM ${prefix}record_event(p_client, p_event_id, p_event_time, p_event);
  END IF;
  RETURN v_used[1];
END;
$$;

-- Settles a reservation (UsageStore.settle). The parameters, by position (Protocol.Settle; the same as
-- MariaDB's settle procedure): 1 p_client, 2 p_reservation, 3 p_actual (the credits kept), 4 p_now,
-- 5 p_event_id, 6 p_event_time, 7 p_event (the usage event a settlement keeping credits records).
-- It keeps p_actual credits and gives the rest back (to its operation's day total too); a release
-- (p_actual = 0) also forgets the idempotency outcome recorded with the reservation.
-- Returns -1 when there is no such reservation, else the credits it held; when p_actual exceeds them
-- nothing is settled (the caller reports the error). A settlement keeping credits records p_event.
DROP FUNCTION IF EXISTS ${prefix}settle(text, text, bigint, bigint);
CREATE OR REPLACE FUNCTION ${prefix}settle(p_client text, p_reservation text, p_actual bigint, p_now bigint,
    p_event_id text, p_event_time bigint, p_event text)
RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  r record;
BEGIN
  PERFORM ${prefix}lock_client(p_client);
  PERFORM ${prefix}expire_reservations(p_client, p_now);
  SELECT x.credits, x.epoch_day, x.policies, x.starts, x.idem_key, x.operation INTO r
    FROM ${prefix}reservations x WHERE x.client_id = p_client AND x.reservation_id = p_reservation;
  IF NOT FOUND THEN
    RETURN -1;
  END IF;
  IF p_actual > r.credits THEN
    RETURN r.credits;
  END IF;
  DELETE FROM ${prefix}reservations x WHERE x.client_id = p_client AND x.reservation_id = p_reservation;
  PERFORM ${prefix}give_back(p_client, r.policies, r.starts, r.credits - p_actual, r.epoch_day);
  IF r.operation IS NOT NULL AND r.credits > p_actual THEN
    PERFORM ${prefix}add_operation_daily(p_client, r.operation, r.epoch_day, p_actual - r.credits);
  END IF;
  IF p_actual = 0 THEN
    PERFORM ${prefix}forget_outcome(p_client, r.idem_key, p_reservation);
  ELSE
    PERFORM ${prefix}record_event(p_client, p_event_id, p_event_time, p_event);
  END IF;
  RETURN r.credits;
END;
$$;

-- The used count of each given window (UsageStore.usage), after giving back expired reservations; keeps
-- each existing count until its window's end. Takes the lock only when it changes something.
CREATE OR REPLACE FUNCTION ${prefix}usage(p_client text, p_policies text[], p_starts bigint[], p_ends bigint[],
    p_now bigint)
RETURNS bigint[]
LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM ${prefix}reservations x WHERE x.client_id = p_client AND x.expires_at <= p_now) THEN
    PERFORM ${prefix}lock_client(p_client);
    PERFORM ${prefix}expire_reservations(p_client, p_now);
  ELSIF EXISTS (SELECT 1 FROM unnest(p_policies, p_starts, p_ends) AS k(policy, window_start, window_end)
                  JOIN ${prefix}windows w
                    ON w.client_id = p_client AND w.policy = k.policy AND w.window_start = k.window_start
                 WHERE w.window_end < k.window_end) THEN
    PERFORM ${prefix}lock_client(p_client);
  END IF;
  RETURN ${prefix}keep_windows(p_client, p_policies, p_starts, p_ends);
END;
$$;

-- Deletes a client's daily totals of a range of days (UsageStore.deleteHistory), their buckets moved into the
-- daily rows first (the bucket rows locked in window order, then the daily rows in day order), and the
-- client's operation totals of those days after them; returns how many of the days deleted had a (client-wide)
-- total other than zero.
CREATE OR REPLACE FUNCTION ${prefix}delete_history(p_client text, p_from bigint, p_to bigint)
RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  n bigint;
  r record;
  v_days bigint[] := '{}';
  v_credits bigint[] := '{}';
  v_at integer;
BEGIN
  PERFORM ${prefix}lock_client(p_client);
  FOR r IN SELECT w.policy, w.window_start, w.bucket_day, w.bucket_credits FROM ${prefix}windows w
            WHERE w.client_id = p_client AND w.bucket_day BETWEEN p_from AND p_to AND w.bucket_credits <> 0
            ORDER BY w.policy, w.window_start FOR UPDATE LOOP
    UPDATE ${prefix}windows w SET bucket_credits = 0
     WHERE w.client_id = p_client AND w.policy = r.policy AND w.window_start = r.window_start;
    v_at := array_position(v_days, r.bucket_day);
    IF v_at IS NULL THEN
      v_days := v_days || r.bucket_day;
      v_credits := v_credits || r.bucket_credits;
    ELSE
      v_credits[v_at] := v_credits[v_at] + r.bucket_credits;
    END IF;
  END LOOP;
  PERFORM 1 FROM ${prefix}daily d WHERE d.client_id = p_client AND d.epoch_day BETWEEN p_from AND p_to
    ORDER BY d.epoch_day FOR UPDATE;
  FOR r IN SELECT k.day, k.credits FROM unnest(v_days, v_credits) AS k(day, credits) ORDER BY k.day LOOP
    PERFORM ${prefix}add_daily(p_client, r.day, r.credits);
  END LOOP;
  WITH deleted AS (
    DELETE FROM ${prefix}daily d WHERE d.client_id = p_client AND d.epoch_day BETWEEN p_from AND p_to
    RETURNING d.credits)
  SELECT count(*) INTO n FROM deleted WHERE credits <> 0;
  DELETE FROM ${prefix}operation_daily o WHERE o.client_id = p_client AND o.epoch_day BETWEEN p_from AND p_to;
  RETURN n;
END;
$$;

-- Releases the expired reservations of up to p_limit clients (purgeExpired); returns the rows released.
-- Each client is locked like a decision, in client order; the locks are held until the statement ends.
CREATE OR REPLACE FUNCTION ${prefix}expire_all_reservations(p_now bigint, p_limit integer) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  c text;
  n bigint := 0;
BEGIN
  FOR c IN SELECT DISTINCT x.client_id FROM ${prefix}reservations x WHERE x.expires_at <= p_now
           ORDER BY x.client_id LIMIT p_limit LOOP
    PERFORM ${prefix}lock_client(c);
    n := n + ${prefix}expire_reservations(c, p_now);
  END LOOP;
  RETURN n;
END;
$$;
