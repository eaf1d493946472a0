-- apibilling JDBC usage store, MySQL (8.0 or later) schema, InnoDB. (MariaDB: mariadb.sql.)
-- ${prefix} is the table prefix (default apibilling_); to apply by hand:
--   sed 's/${prefix}/apibilling_/g' mysql.sql | mysql mydb
-- Every statement is idempotent (IF NOT EXISTS). Identifiers and keys are VARBINARY: compared byte for
-- byte, so ids that differ only in case or trailing spaces stay apart whatever the server's collation.
-- Times are epoch milliseconds of the application's clock, never the database's.

-- One row per client, locked first by every change of that client (SELECT ... never sees it).
CREATE TABLE IF NOT EXISTS ${prefix}clients (
  client_id  VARBINARY(1024) NOT NULL,
  touched_at BIGINT          NOT NULL,
  PRIMARY KEY (client_id),
  KEY ${prefix}clients_touched (touched_at)
) ENGINE=InnoDB;

-- The count of one quota window of one client.
CREATE TABLE IF NOT EXISTS ${prefix}windows (
  client_id    VARBINARY(1024) NOT NULL,
  policy       VARBINARY(256)  NOT NULL,
  window_start BIGINT          NOT NULL,
  window_end   BIGINT          NOT NULL,
  used         BIGINT          NOT NULL,
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
-- Upgrade of a reservations table made before the operation history (schemas before 2026-12-01): a nullable
-- column, so its rows are reservations of no operation. MySQL has no ADD COLUMN IF NOT EXISTS: the ALTER is
-- prepared only when the column is missing (else a no-op, DO 0), so an up-to-date table is not altered. (Two
-- instances upgrading the same table at the same moment: one ALTER fails as a duplicate column; building that
-- store again passes.)
SET @${prefix}upgrade = (SELECT IF(COUNT(*) = 0, 'ALTER TABLE ${prefix}reservations ADD COLUMN operation VARBINARY(256)', 'DO 0')
  FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()
   AND TABLE_NAME = '${prefix}reservations' AND COLUMN_NAME = 'operation');
PREPARE ${prefix}upgrade FROM @${prefix}upgrade;
EXECUTE ${prefix}upgrade;
DEALLOCATE PREPARE ${prefix}upgrade;

-- One total per client and day (epoch day in the billing's history zone), not a row per request.
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
