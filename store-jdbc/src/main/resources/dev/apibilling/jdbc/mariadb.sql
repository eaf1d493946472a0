-- apibilling JDBC usage store, MariaDB (10.3 or later) schema, InnoDB: tables and stored procedures.
-- ${prefix} is the table prefix (default apibilling_); to apply by hand:
--   sed 's/${prefix}/apibilling_/g' mariadb.sql | mariadb mydb
-- Every statement is idempotent (IF NOT EXISTS / OR REPLACE). Identifiers and keys are VARBINARY: compared byte for
-- byte, so ids that differ only in case or trailing spaces stay apart whatever the server's collation.
-- Times are epoch milliseconds of the application's clock, never the database's.

-- One row per client, locked first by every change of that client (SELECT ... never sees it).
CREATE TABLE IF NOT EXISTS ${prefix}clients (
  client_id  VARBINARY(1024) NOT NULL,
  touched_at BIGINT          NOT NULL,
  PRIMARY KEY (client_id),
  KEY ${prefix}clients_touched (touched_at)
) ENGINE=InnoDB;

-- The count of one quota window of one client. hold_until is at or before the expiry of every reservation
-- holding credits in the row (NULL: none does), so charge_one looks for expired reservations only once it
-- has passed. bucket_credits are credits charged on bucket_day through this row by charge_one that are not
-- in the daily table (see "Daily totals" below).
CREATE TABLE IF NOT EXISTS ${prefix}windows (
  client_id      VARBINARY(1024) NOT NULL,
  policy         VARBINARY(256)  NOT NULL,
  window_start   BIGINT          NOT NULL,
  window_end     BIGINT          NOT NULL,
  used           BIGINT          NOT NULL,
  hold_until     BIGINT,
  bucket_day     BIGINT,
  bucket_credits BIGINT          NOT NULL DEFAULT 0,
  PRIMARY KEY (client_id, policy, window_start),
  KEY ${prefix}windows_end (window_end)
) ENGINE=InnoDB;

-- A granted outcome remembered under its idempotency key; used is a comma-separated list.
CREATE TABLE IF NOT EXISTS ${prefix}idempotency (
  client_id      VARBINARY(1024) NOT NULL,
  idem_key       VARBINARY(1024) NOT NULL,
  used           TEXT            NOT NULL,
  reservation_id VARBINARY(512),
  expires_at     BIGINT          NOT NULL,
  PRIMARY KEY (client_id, idem_key),
  KEY ${prefix}idempotency_expires (expires_at)
) ENGINE=InnoDB;

-- Credits held by an unsettled reservation; slots lists the windows it was counted in; idem_key is the
-- idempotency key it was made under (its outcome is forgotten when the reservation is given back in full);
-- operation is the operation whose daily total the credits count in (NULL: none).
CREATE TABLE IF NOT EXISTS ${prefix}reservations (
  client_id      VARBINARY(1024) NOT NULL,
  reservation_id VARBINARY(512)  NOT NULL,
  credits        BIGINT          NOT NULL,
  epoch_day      BIGINT          NOT NULL,
  slots          TEXT            NOT NULL,
  expires_at     BIGINT          NOT NULL,
  idem_key       VARBINARY(1024),
  operation      VARBINARY(256),
  PRIMARY KEY (client_id, reservation_id),
  KEY ${prefix}reservations_client_expires (client_id, expires_at),
  KEY ${prefix}reservations_expires (expires_at)
) ENGINE=InnoDB;

-- Daily totals: one row per client and day (epoch day in the billing's history zone), not a row per request.
-- A day's total is its row's credits plus the bucket_credits of the client's windows whose bucket_day it is
-- (at most 2^53 - 1). A plain charge of one window (charge_one) adds its credits to its window's bucket when
-- the row already counts its day (one row write per charge), else to the daily row, and the window starts
-- counting the day (its bucket of another day moves to that day's row): once per window and day. Every other
-- routine writes the daily rows: a reservation's credits are always in its day's row, so giving them back
-- never needs a bucket. deleteUsage clears a day's buckets with its row, and the purge moves a window's
-- bucket to its daily row before deleting the window.
CREATE TABLE IF NOT EXISTS ${prefix}daily (
  client_id VARBINARY(1024) NOT NULL,
  epoch_day BIGINT          NOT NULL,
  credits   BIGINT          NOT NULL,
  PRIMARY KEY (client_id, epoch_day)
) ENGINE=InnoDB;

-- Daily totals of an operation (issue 14): the credits of the granted charges and reservations of one
-- operation per client and day, less what was given back; these credits are in the client's daily totals too.
CREATE TABLE IF NOT EXISTS ${prefix}operation_daily (
  client_id VARBINARY(1024) NOT NULL,
  operation VARBINARY(256)  NOT NULL,
  epoch_day BIGINT          NOT NULL,
  credits   BIGINT          NOT NULL,
  PRIMARY KEY (client_id, operation, epoch_day)
) ENGINE=InnoDB;

-- Usage events (issue 13): one row per billed charge, written in the same transaction as its credits;
-- seq is the record order exporters claim in; payload is the CloudEvents JSON, kept verbatim.
CREATE TABLE IF NOT EXISTS ${prefix}events (
  seq           BIGINT          NOT NULL AUTO_INCREMENT,
  client_id     VARBINARY(1024) NOT NULL,
  event_id      VARBINARY(1024) NOT NULL,
  event_time    BIGINT          NOT NULL,
  payload       LONGTEXT CHARACTER SET utf8mb4 NOT NULL,
  claimed_by    VARCHAR(256),
  claimed_until BIGINT,
  delivered_at  BIGINT,
  PRIMARY KEY (seq),
  KEY ${prefix}events_client (client_id, seq),
  KEY ${prefix}events_delivered (delivered_at, seq)
) ENGINE=InnoDB;

-- Windows travel as text, one '<length>:<policy>:<start>:<end>:<limit>;' per window (length-prefixed, so
-- any policy name survives); reservations keep that text in slots.

DELIMITER //

-- Upgrade of a reservations table made before the operation history (schemas before 2026-12-01): a nullable
-- column, so its rows are reservations of no operation. Checked first, so an up-to-date table is not altered.
BEGIN NOT ATOMIC
  IF NOT EXISTS (SELECT 1 FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()
                    AND TABLE_NAME = '${prefix}reservations' AND COLUMN_NAME = 'operation') THEN
    ALTER TABLE ${prefix}reservations ADD COLUMN IF NOT EXISTS operation VARBINARY(256);
  END IF;
END //

-- Upgrade of a windows table made before the holds (schemas before 2026-12-02): every window row of a client
-- with reservations gets the earliest expiry of those reservations, so none held across the upgrade is missed.
BEGIN NOT ATOMIC
  IF NOT EXISTS (SELECT 1 FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()
                    AND TABLE_NAME = '${prefix}windows' AND COLUMN_NAME = 'hold_until') THEN
    ALTER TABLE ${prefix}windows ADD COLUMN IF NOT EXISTS hold_until BIGINT;
    UPDATE ${prefix}windows w
      JOIN (SELECT client_id, MIN(expires_at) AS earliest FROM ${prefix}reservations GROUP BY client_id) r
        ON r.client_id = w.client_id
       SET w.hold_until = r.earliest;
  END IF;
END //

-- Upgrade of a windows table made before the day buckets (schemas before 2026-12-03): its rows get no bucket,
-- so their next plain charge starts one; nothing else changes. Checked first, so an up-to-date table is not
-- altered.
BEGIN NOT ATOMIC
  IF NOT EXISTS (SELECT 1 FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()
                    AND TABLE_NAME = '${prefix}windows' AND COLUMN_NAME = 'bucket_day') THEN
    ALTER TABLE ${prefix}windows ADD COLUMN IF NOT EXISTS bucket_day BIGINT,
                                 ADD COLUMN IF NOT EXISTS bucket_credits BIGINT NOT NULL DEFAULT 0;
  END IF;
END //

-- Records a usage event (p_event NULL: none). Called by charge and settle, inside their transaction.
CREATE OR REPLACE PROCEDURE ${prefix}record_event(IN p_client VARBINARY(1024), IN p_event_id VARBINARY(1024),
    IN p_event_time BIGINT, IN p_event LONGTEXT CHARACTER SET utf8mb4)
BEGIN
  IF p_event IS NOT NULL THEN
    INSERT INTO ${prefix}events (client_id, event_id, event_time, payload)
    VALUES (p_client, p_event_id, p_event_time, p_event);
  END IF;
END //

-- Reads the window at p_pos of p_windows and moves p_pos past it.
CREATE OR REPLACE PROCEDURE ${prefix}next_window(IN p_windows TEXT CHARACTER SET utf8mb4, INOUT p_pos INT,
    OUT p_policy VARBINARY(256), OUT p_start BIGINT, OUT p_end BIGINT, OUT p_limit BIGINT)
BEGIN
  DECLARE v_next INT;
  DECLARE v_length INT;
  SET v_next = LOCATE(':', p_windows, p_pos);
  SET v_length = CAST(SUBSTRING(p_windows, p_pos, v_next - p_pos) AS UNSIGNED);
  SET p_policy = SUBSTRING(p_windows, v_next + 1, v_length);
  SET p_pos = v_next + 2 + v_length;
  SET v_next = LOCATE(':', p_windows, p_pos);
  SET p_start = CAST(SUBSTRING(p_windows, p_pos, v_next - p_pos) AS SIGNED);
  SET p_pos = v_next + 1;
  SET v_next = LOCATE(':', p_windows, p_pos);
  SET p_end = CAST(SUBSTRING(p_windows, p_pos, v_next - p_pos) AS SIGNED);
  SET p_pos = v_next + 1;
  SET v_next = LOCATE(';', p_windows, p_pos);
  SET p_limit = CAST(SUBSTRING(p_windows, p_pos, v_next - p_pos) AS SIGNED);
  SET p_pos = v_next + 1;
END //

-- Locks the client's row (creating it on the client's first call): every change of a client takes it first.
-- touched_at (for the purge of idle clients) is refreshed at most hourly, so most calls change nothing.
CREATE OR REPLACE PROCEDURE ${prefix}lock_client(IN p_client VARBINARY(1024), IN p_now BIGINT)
BEGIN
  INSERT INTO ${prefix}clients (client_id, touched_at) VALUES (p_client, GREATEST(0, p_now))
  ON DUPLICATE KEY UPDATE touched_at = IF(touched_at < p_now - 3600000, p_now, touched_at);
END //

-- Adds (or, negative, subtracts) credits to a day's total, never below zero.
CREATE OR REPLACE PROCEDURE ${prefix}add_daily(IN p_client VARBINARY(1024), IN p_day BIGINT, IN p_credits BIGINT)
BEGIN
  INSERT INTO ${prefix}daily (client_id, epoch_day, credits) VALUES (p_client, p_day, GREATEST(0, p_credits))
  ON DUPLICATE KEY UPDATE credits = LEAST(9007199254740991, GREATEST(0, credits + p_credits));
END //

-- Adds (or, negative, subtracts) credits to an operation's day total, never below zero.
CREATE OR REPLACE PROCEDURE ${prefix}add_operation_daily(IN p_client VARBINARY(1024), IN p_operation VARBINARY(256),
    IN p_day BIGINT, IN p_credits BIGINT)
BEGIN
  INSERT INTO ${prefix}operation_daily (client_id, operation, epoch_day, credits)
  VALUES (p_client, p_operation, p_day, GREATEST(0, p_credits))
  ON DUPLICATE KEY UPDATE credits = LEAST(9007199254740991, GREATEST(0, credits + p_credits));
END //

-- Lock order, in every routine: the client's row (when taken) first; then window rows in primary key order
-- (policy, window_start): a decision gets its windows in that order from the store (MariaDbOperations), a
-- reservation records them so, and giving back several reservations locks all the client's windows first;
-- then the daily rows (in day order); then the operation daily rows, last (a decision takes one; only
-- routines holding the client's row take several). So no two transactions wait on each other in opposite
-- orders.

-- Gives credits of a reservation back to the windows still present (in the order it recorded them) and to
-- its day. Caller holds the lock.
CREATE OR REPLACE PROCEDURE ${prefix}give_back(IN p_client VARBINARY(1024), IN p_slots TEXT CHARACTER SET utf8mb4,
    IN p_credits BIGINT, IN p_day BIGINT)
BEGIN
  DECLARE v_pos INT DEFAULT 1;
  DECLARE v_policy VARBINARY(256);
  DECLARE v_start BIGINT;
  DECLARE v_end BIGINT;
  DECLARE v_limit BIGINT;
  IF p_credits > 0 THEN
    WHILE v_pos <= CHAR_LENGTH(p_slots) DO
      CALL ${prefix}next_window(p_slots, v_pos, v_policy, v_start, v_end, v_limit);
      UPDATE ${prefix}windows SET used = GREATEST(0, used - p_credits)
       WHERE client_id = p_client AND policy = v_policy AND window_start = v_start;
    END WHILE;
    CALL ${prefix}add_daily(p_client, p_day, -p_credits);
  END IF;
END //

-- Forgets the idempotency outcome recorded with a reservation given back in full (a request never charged:
-- its retry is decided anew), unless the key's outcome is another one by now.
CREATE OR REPLACE PROCEDURE ${prefix}forget_outcome(IN p_client VARBINARY(1024), IN p_key VARBINARY(1024),
    IN p_reservation VARBINARY(512))
BEGIN
  IF p_key IS NOT NULL THEN
    DELETE FROM ${prefix}idempotency
     WHERE client_id = p_client AND idem_key = p_key AND reservation_id = p_reservation;
  END IF;
END //

-- Releases every reservation of the client that expired at p_now, forgetting their outcomes. All the client's
-- window rows are locked first, in primary key order (each give_back then finds its rows locked already), and
-- the reservations are given back in day order, so the daily rows too are locked in order; their operations'
-- day totals come last, in (day, operation) order. Caller holds the lock.
CREATE OR REPLACE PROCEDURE ${prefix}expire_reservations(IN p_client VARBINARY(1024), IN p_now BIGINT)
BEGIN
  DECLARE v_windows BIGINT;
  DECLARE v_done BOOLEAN DEFAULT FALSE;
  DECLARE v_reservation VARBINARY(512);
  DECLARE v_credits BIGINT;
  DECLARE v_day BIGINT;
  DECLARE v_slots TEXT CHARACTER SET utf8mb4;
  DECLARE v_key VARBINARY(1024);
  DECLARE v_operation VARBINARY(256);
  DECLARE v_earliest BIGINT;
  DECLARE expired CURSOR FOR
    SELECT reservation_id, credits, epoch_day, slots, idem_key FROM ${prefix}reservations
     WHERE client_id = p_client AND expires_at <= p_now ORDER BY epoch_day, reservation_id;
  DECLARE operations CURSOR FOR
    SELECT epoch_day, operation, LEAST(9007199254740991, SUM(credits)) FROM ${prefix}reservations
     WHERE client_id = p_client AND expires_at <= p_now AND operation IS NOT NULL
     GROUP BY epoch_day, operation ORDER BY epoch_day, operation;
  DECLARE CONTINUE HANDLER FOR NOT FOUND SET v_done = TRUE;
  SELECT COUNT(*) INTO v_windows FROM ${prefix}windows FORCE INDEX (PRIMARY) WHERE client_id = p_client FOR UPDATE;
  OPEN expired;
  fetching: LOOP
    FETCH expired INTO v_reservation, v_credits, v_day, v_slots, v_key;
    IF v_done THEN
      LEAVE fetching;
    END IF;
    CALL ${prefix}give_back(p_client, v_slots, v_credits, v_day);
    CALL ${prefix}forget_outcome(p_client, v_key, v_reservation);
  END LOOP;
  CLOSE expired;
  SET v_done = FALSE;
  OPEN operations;
  giving: LOOP
    FETCH operations INTO v_day, v_operation, v_credits;
    IF v_done THEN
      LEAVE giving;
    END IF;
    CALL ${prefix}add_operation_daily(p_client, v_operation, v_day, -v_credits);
  END LOOP;
  CLOSE operations;
  DELETE FROM ${prefix}reservations WHERE client_id = p_client AND expires_at <= p_now;
  -- the client's holds: the earliest expiry left (a locking read, so the latest committed reservations count)
  SELECT MIN(expires_at) INTO v_earliest FROM ${prefix}reservations WHERE client_id = p_client FOR UPDATE;
  UPDATE ${prefix}windows SET hold_until = v_earliest WHERE client_id = p_client AND hold_until IS NOT NULL;
END //

-- One decision (UsageStore.charge) in one CALL and one transaction. The parameters, by position (the Java side
-- names them in Protocol.MariaDbCharge, in this order):
--    1 p_client              the client id
--    2 p_windows             the windows, '<length>:<policy>:<start>:<end>:<limit>;' each (limit -1: unlimited)
--    3 p_credits             the credits asked for
--    4 p_mode                0 check, 1 charge, 2 reserve (Protocol.modeCode)
--    5 p_key                 the idempotency key, or NULL
--    6 p_key_expires         when the key's outcome expires
--    7 p_reservation         the reservation's id (reserve), else NULL
--    8 p_reservation_expires when the reservation expires
--    9 p_day                 the epoch day the credits count for
--   10 p_now                 the caller's time (epoch ms)
--   11 p_event_id            the usage event's id, time and CloudEvents JSON (a granted charge records it;
--   12 p_event_time          NULL p_event: none)
--   13 p_event
--   14 p_operation           the operation whose quotas are among the windows (ChargeRequest.operation), or
--                            NULL: a granted charge or reservation also adds its credits to that operation's
--                            day total, and a reservation remembers it for what it gives back
-- It answers one row (Protocol.ChargeAnswer): granted, replayed, used (comma-separated, in window order),
-- reservation_id. Every existing count of the windows is kept until its window's end; counts and day totals
-- saturate at 2^53 - 1. A replay answers the windows' counts now, followed, for a reservation, by the credits
-- it still holds and when it expires (0 and p_now once it is settled).
-- A granted charge (mode 1, not a replay) records its usage event p_event (when not NULL).
-- A plain check or charge does not lock the client's row: a charge locks each window's row (created at zero if
-- missing, since READ COMMITTED takes no gap locks) before reading its count, so the check and the add are
-- made under that row's lock. An idempotent request, a reservation, and giving back expired reservations lock
-- the client's row first, as every other change of reservations and idempotency keys does.
CREATE OR REPLACE PROCEDURE ${prefix}charge(IN p_client VARBINARY(1024), IN p_windows TEXT CHARACTER SET utf8mb4,
    IN p_credits BIGINT, IN p_mode INT, IN p_key VARBINARY(1024), IN p_key_expires BIGINT,
    IN p_reservation VARBINARY(512), IN p_reservation_expires BIGINT, IN p_day BIGINT, IN p_now BIGINT,
    IN p_event_id VARBINARY(1024), IN p_event_time BIGINT, IN p_event LONGTEXT CHARACTER SET utf8mb4,
    IN p_operation VARBINARY(256))
decide: BEGIN
  DECLARE v_pos INT DEFAULT 1;
  DECLARE v_policy VARBINARY(256);
  DECLARE v_start BIGINT;
  DECLARE v_end BIGINT;
  DECLARE v_limit BIGINT;
  DECLARE v_row BIGINT;
  DECLARE v_row_end BIGINT;
  DECLARE v_replay BOOLEAN DEFAULT FALSE;
  DECLARE v_held BIGINT DEFAULT NULL;
  DECLARE v_held_until BIGINT DEFAULT NULL;
  DECLARE v_used TEXT CHARACTER SET ascii DEFAULT '';
  DECLARE v_granted BOOLEAN DEFAULT TRUE;
  DECLARE v_key_used TEXT CHARACTER SET ascii;
  DECLARE v_key_reservation VARCHAR(512) CHARACTER SET utf8mb4;
  DECLARE v_key_expires BIGINT DEFAULT NULL;
  DECLARE v_reservation VARCHAR(512) CHARACTER SET utf8mb4 DEFAULT NULL;
  DECLARE v_locked BOOLEAN DEFAULT p_mode = 2 OR p_key IS NOT NULL;
  DECLARE v_expired INT DEFAULT NULL;
  DECLARE EXIT HANDLER FOR SQLEXCEPTION
  BEGIN
    ROLLBACK;
    RESIGNAL;
  END;
  START TRANSACTION;
  IF v_locked THEN
    CALL ${prefix}lock_client(p_client, p_now);
  END IF;
  -- SELECT ... INTO, not IF EXISTS (...): a procedure runs a subquery of an IF as a locking read, whose shared
  -- locks on the expired reservations would stand in the way of the transaction giving them back
  SELECT 1 INTO v_expired FROM ${prefix}reservations WHERE client_id = p_client AND expires_at <= p_now LIMIT 1;
  IF v_expired IS NOT NULL THEN
    IF NOT v_locked THEN
      CALL ${prefix}lock_client(p_client, p_now);
    END IF;
    CALL ${prefix}expire_reservations(p_client, p_now);
  END IF;
  IF p_key IS NOT NULL THEN
    SELECT used, reservation_id, expires_at INTO v_key_used, v_key_reservation, v_key_expires
      FROM ${prefix}idempotency WHERE client_id = p_client AND idem_key = p_key;
    IF v_key_expires IS NOT NULL THEN
      IF v_key_expires > p_now THEN
        SET v_replay = TRUE;
      ELSE
        DELETE FROM ${prefix}idempotency WHERE client_id = p_client AND idem_key = p_key;
      END IF;
    END IF;
  END IF;
  WHILE v_pos <= CHAR_LENGTH(p_windows) DO
    CALL ${prefix}next_window(p_windows, v_pos, v_policy, v_start, v_end, v_limit);
    SET v_row = NULL;
    SET v_row_end = NULL;
    IF p_mode <> 0 AND NOT v_replay THEN
      -- a charge locks the row, creating it at zero if missing, and keeps it until its window's end
      INSERT INTO ${prefix}windows (client_id, policy, window_start, window_end, used)
      VALUES (p_client, v_policy, v_start, v_end, 0)
      ON DUPLICATE KEY UPDATE window_end = GREATEST(window_end, v_end);
      SELECT used INTO v_row FROM ${prefix}windows
       WHERE client_id = p_client AND policy = v_policy AND window_start = v_start;
    ELSE
      -- FOR UPDATE: take the row's exclusive lock now, never a shared one to upgrade later
      SELECT used, window_end INTO v_row, v_row_end FROM ${prefix}windows
       WHERE client_id = p_client AND policy = v_policy AND window_start = v_start FOR UPDATE;
      IF v_row_end < v_end THEN
        UPDATE ${prefix}windows SET window_end = v_end
         WHERE client_id = p_client AND policy = v_policy AND window_start = v_start;
      END IF;
    END IF;
    SET v_row = COALESCE(v_row, 0);
    IF v_limit <> -1 AND v_row + p_credits > v_limit THEN
      SET v_granted = FALSE;
    END IF;
    SET v_used = CONCAT(v_used, IF(v_used = '', '', ','), v_row);
  END WHILE;
  IF v_replay THEN
    IF v_key_reservation IS NOT NULL THEN
      SELECT credits, expires_at INTO v_held, v_held_until FROM ${prefix}reservations
       WHERE client_id = p_client AND reservation_id = v_key_reservation;
      SET v_used = CONCAT(v_used, ',', COALESCE(v_held, 0), ',', COALESCE(v_held_until, p_now));
    END IF;
    COMMIT;
    SELECT TRUE AS granted, TRUE AS replayed, v_used AS used, v_key_reservation AS reservation_id;
    LEAVE decide;
  END IF;
  IF NOT v_granted OR p_mode = 0 THEN
    COMMIT;
    SELECT v_granted AS granted, FALSE AS replayed, v_used AS used, NULL AS reservation_id;
    LEAVE decide;
  END IF;
  SET v_pos = 1;
  SET v_used = '';
  WHILE v_pos <= CHAR_LENGTH(p_windows) DO
    CALL ${prefix}next_window(p_windows, v_pos, v_policy, v_start, v_end, v_limit);
    -- a reservation lowers the row's hold to its expiry (charge_one looks for expired reservations after it);
    -- the count after is taken in the update (the row is locked since the first loop), as in charge_one
    UPDATE ${prefix}windows SET used = (@apibilling_used := LEAST(9007199254740991, used + p_credits)),
           hold_until = IF(p_mode = 2, LEAST(COALESCE(hold_until, p_reservation_expires), p_reservation_expires),
                           hold_until)
     WHERE client_id = p_client AND policy = v_policy AND window_start = v_start;
    SET v_row = @apibilling_used;
    SET v_used = CONCAT(v_used, IF(v_used = '', '', ','), v_row);
  END WHILE;
  CALL ${prefix}add_daily(p_client, p_day, p_credits);
  IF p_operation IS NOT NULL THEN
    CALL ${prefix}add_operation_daily(p_client, p_operation, p_day, p_credits);
  END IF;
  IF p_mode = 2 THEN
    SET v_reservation = CONVERT(p_reservation USING utf8mb4);
    INSERT INTO ${prefix}reservations (client_id, reservation_id, credits, epoch_day, slots, expires_at, idem_key,
        operation)
    VALUES (p_client, p_reservation, p_credits, p_day, p_windows, p_reservation_expires, p_key, p_operation)
    ON DUPLICATE KEY UPDATE credits = p_credits, epoch_day = p_day, slots = p_windows,
        expires_at = p_reservation_expires, idem_key = p_key, operation = p_operation;
  END IF;
  IF p_key IS NOT NULL THEN
    INSERT INTO ${prefix}idempotency (client_id, idem_key, used, reservation_id, expires_at)
    VALUES (p_client, p_key, v_used, IF(p_mode = 2, p_reservation, NULL), p_key_expires);
  END IF;
  IF p_mode = 1 THEN
    CALL ${prefix}record_event(p_client, p_event_id, p_event_time, p_event);
  END IF;
  COMMIT;
  SELECT TRUE AS granted, FALSE AS replayed, v_used AS used, v_reservation AS reservation_id;
END //

-- A plain charge of one window (UsageStore.charge without an idempotency key, reservation or operation: the
-- common case) in one CALL with scalar parameters, the same as PostgreSQL's charge_one (Protocol.ChargeOne):
--    1 p_client, 2 p_policy, 3 p_start, 4 p_end, 5 p_limit (-1: unlimited), 6 p_credits, 7 p_day, 8 p_now,
--    9 p_event_id, 10 p_event_time, 11 p_event (the usage event a granted charge records; NULL p_event: none).
-- It answers one row of one column: the window's count after the charge, or -1 minus its count when refused.
-- The decision is charge's. One conditional UPDATE checks and adds under the window row's lock, the credits
-- into the row's bucket of the day too, while the row's hold is in the future (no reservation holding credits
-- in it can have expired) and its bucket is of p_day. When it changes no row (no row yet, over the limit, the
-- hold has passed, or the bucket is of another day) the transaction starts again, taking locks in the order
-- every routine takes them: after a passed hold the client's row, giving back what expired and setting the
-- client's holds anew (expire_reservations); then the window row (read FOR UPDATE, created at zero if
-- missing), whose count decides; then, when the row starts counting p_day, the daily rows: p_day's, which
-- gets the credits, and that of the day its bucket was of, which gets the bucket.
CREATE OR REPLACE PROCEDURE ${prefix}charge_one(IN p_client VARBINARY(1024), IN p_policy VARBINARY(256),
    IN p_start BIGINT, IN p_end BIGINT, IN p_limit BIGINT, IN p_credits BIGINT, IN p_day BIGINT, IN p_now BIGINT,
    IN p_event_id VARBINARY(1024), IN p_event_time BIGINT, IN p_event LONGTEXT CHARACTER SET utf8mb4)
deciding: BEGIN
  DECLARE v_used BIGINT DEFAULT NULL;
  DECLARE v_end BIGINT;
  DECLARE v_hold BIGINT DEFAULT NULL;
  DECLARE v_bucket_day BIGINT;
  DECLARE v_bucket BIGINT;
  DECLARE EXIT HANDLER FOR SQLEXCEPTION
  BEGIN
    ROLLBACK;
    RESIGNAL;
  END;
  START TRANSACTION;
  -- the count after is taken in the update itself (a session variable assigned for the row it matches):
  -- MariaDB has no UPDATE ... RETURNING, and a SELECT after it is one statement more on every charge
  UPDATE ${prefix}windows
     SET used = (@apibilling_used := LEAST(9007199254740991, used + p_credits)),
         window_end = GREATEST(window_end, p_end),
         bucket_credits = LEAST(9007199254740991, bucket_credits + p_credits)
   WHERE client_id = p_client AND policy = p_policy AND window_start = p_start
     AND (p_limit = -1 OR used + p_credits <= p_limit) AND (hold_until IS NULL OR hold_until > p_now)
     AND bucket_day = p_day;
  IF ROW_COUNT() = 1 THEN
    SET v_used = @apibilling_used;
  ELSE
    ROLLBACK; -- nothing changed; the row may be locked (REPEATABLE READ), and the client's row comes first
    START TRANSACTION;
    -- SELECT ... INTO is a plain read (a subquery in IF would take the row's shared lock)
    SELECT hold_until INTO v_hold FROM ${prefix}windows
     WHERE client_id = p_client AND policy = p_policy AND window_start = p_start;
    IF v_hold <= p_now THEN
      CALL ${prefix}lock_client(p_client, p_now);
      CALL ${prefix}expire_reservations(p_client, p_now);
    END IF;
    -- FOR UPDATE: the row's exclusive lock, writing nothing while the row exists and keeps its end; the
    -- upsert only creates a missing row
    SELECT used, window_end, bucket_day, bucket_credits INTO v_used, v_end, v_bucket_day, v_bucket
      FROM ${prefix}windows
     WHERE client_id = p_client AND policy = p_policy AND window_start = p_start FOR UPDATE;
    IF v_used IS NULL THEN
      INSERT INTO ${prefix}windows (client_id, policy, window_start, window_end, used)
      VALUES (p_client, p_policy, p_start, p_end, 0)
      ON DUPLICATE KEY UPDATE window_end = GREATEST(window_end, p_end);
      -- locked now; another transaction may have made the row meanwhile, with a bucket
      SELECT used, bucket_day, bucket_credits INTO v_used, v_bucket_day, v_bucket FROM ${prefix}windows
       WHERE client_id = p_client AND policy = p_policy AND window_start = p_start;
    ELSEIF v_end < p_end THEN
      UPDATE ${prefix}windows SET window_end = p_end
       WHERE client_id = p_client AND policy = p_policy AND window_start = p_start;
    END IF;
    IF p_limit <> -1 AND v_used + p_credits > p_limit THEN
      COMMIT;
      SELECT -1 - v_used AS answer;
      LEAVE deciding;
    END IF;
    IF v_bucket_day <=> p_day THEN
      UPDATE ${prefix}windows
         SET used = (@apibilling_used := LEAST(9007199254740991, used + p_credits)),
             bucket_credits = LEAST(9007199254740991, bucket_credits + p_credits)
       WHERE client_id = p_client AND policy = p_policy AND window_start = p_start;
      SET v_used = @apibilling_used;
    ELSE
      -- the row starts counting p_day (a new row, or its bucket is of another day): the charge's credits go
      -- to the day's row, a bucket of another day to that day's row, the daily rows in day order (once per
      -- window and day, so add_daily's CALL costs little here)
      UPDATE ${prefix}windows
         SET used = (@apibilling_used := LEAST(9007199254740991, used + p_credits)), bucket_day = p_day,
             bucket_credits = 0
       WHERE client_id = p_client AND policy = p_policy AND window_start = p_start;
      SET v_used = @apibilling_used;
      IF v_bucket <> 0 AND v_bucket_day < p_day THEN
        CALL ${prefix}add_daily(p_client, v_bucket_day, v_bucket);
      END IF;
      CALL ${prefix}add_daily(p_client, p_day, p_credits);
      IF v_bucket <> 0 AND v_bucket_day > p_day THEN
        CALL ${prefix}add_daily(p_client, v_bucket_day, v_bucket);
      END IF;
    END IF;
  END IF;
  -- record_event, inlined
  IF p_event IS NOT NULL THEN
    INSERT INTO ${prefix}events (client_id, event_id, event_time, payload)
    VALUES (p_client, p_event_id, p_event_time, p_event);
  END IF;
  COMMIT;
  SELECT v_used AS answer;
END //

-- Settles a reservation (UsageStore.settle) in one CALL. The parameters, by position (Protocol.Settle; the
-- same as PostgreSQL's settle function): 1 p_client, 2 p_reservation, 3 p_actual (the credits kept), 4 p_now,
-- 5 p_event_id, 6 p_event_time, 7 p_event (the usage event a settlement keeping credits records). Answers -1 when there is no such reservation,
-- else the credits it held (nothing is settled when p_actual exceeds them; the caller reports that).
-- What it gives back leaves the reservation's operation's day total too.
-- A release (p_actual = 0) also forgets the idempotency outcome recorded with the reservation; a
-- settlement keeping credits records its usage event p_event (when not NULL).
CREATE OR REPLACE PROCEDURE ${prefix}settle(IN p_client VARBINARY(1024), IN p_reservation VARBINARY(512),
    IN p_actual BIGINT, IN p_now BIGINT, IN p_event_id VARBINARY(1024), IN p_event_time BIGINT,
    IN p_event LONGTEXT CHARACTER SET utf8mb4)
settling: BEGIN
  DECLARE v_credits BIGINT DEFAULT NULL;
  DECLARE v_day BIGINT;
  DECLARE v_slots TEXT CHARACTER SET utf8mb4;
  DECLARE v_key VARBINARY(1024);
  DECLARE v_operation VARBINARY(256);
  DECLARE v_expired INT DEFAULT NULL;
  DECLARE EXIT HANDLER FOR SQLEXCEPTION
  BEGIN
    ROLLBACK;
    RESIGNAL;
  END;
  START TRANSACTION;
  CALL ${prefix}lock_client(p_client, p_now);
  SELECT 1 INTO v_expired FROM ${prefix}reservations WHERE client_id = p_client AND expires_at <= p_now LIMIT 1;
  IF v_expired IS NOT NULL THEN
    CALL ${prefix}expire_reservations(p_client, p_now);
  END IF;
  SELECT credits, epoch_day, slots, idem_key, operation INTO v_credits, v_day, v_slots, v_key, v_operation
    FROM ${prefix}reservations WHERE client_id = p_client AND reservation_id = p_reservation;
  IF v_credits IS NULL THEN
    COMMIT;
    SELECT -1 AS held;
    LEAVE settling;
  END IF;
  IF p_actual <= v_credits THEN
    DELETE FROM ${prefix}reservations WHERE client_id = p_client AND reservation_id = p_reservation;
    CALL ${prefix}give_back(p_client, v_slots, v_credits - p_actual, v_day);
    IF v_operation IS NOT NULL AND v_credits > p_actual THEN
      CALL ${prefix}add_operation_daily(p_client, v_operation, v_day, p_actual - v_credits);
    END IF;
    IF p_actual = 0 THEN
      CALL ${prefix}forget_outcome(p_client, v_key, p_reservation);
    ELSE
      CALL ${prefix}record_event(p_client, p_event_id, p_event_time, p_event);
    END IF;
  END IF;
  COMMIT;
  SELECT v_credits AS held;
END //

DELIMITER ;
