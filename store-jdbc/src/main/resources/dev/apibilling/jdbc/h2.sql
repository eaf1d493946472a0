-- apibilling JDBC usage store, H2 (2.x) schema, embedded in memory or in a file.
-- ${prefix} is the table prefix (default apibilling_); every statement is idempotent (IF NOT EXISTS).
-- Times are epoch milliseconds of the application's clock, never the database's.

-- One row per client, locked first by every change of that client.
CREATE TABLE IF NOT EXISTS ${prefix}clients (
  client_id  VARCHAR(1024) NOT NULL,
  touched_at BIGINT        NOT NULL,
  PRIMARY KEY (client_id)
);
CREATE INDEX IF NOT EXISTS ${prefix}clients_touched ON ${prefix}clients (touched_at);

-- The count of one quota window of one client.
CREATE TABLE IF NOT EXISTS ${prefix}windows (
  client_id    VARCHAR(1024) NOT NULL,
  policy       VARCHAR(256)  NOT NULL,
  window_start BIGINT        NOT NULL,
  window_end   BIGINT        NOT NULL,
  used         BIGINT        NOT NULL,
  PRIMARY KEY (client_id, policy, window_start)
);
CREATE INDEX IF NOT EXISTS ${prefix}windows_end ON ${prefix}windows (window_end);

-- A granted outcome remembered under its idempotency key; used is a comma-separated list.
CREATE TABLE IF NOT EXISTS ${prefix}idempotency (
  client_id      VARCHAR(1024)     NOT NULL,
  idem_key       VARCHAR(1024)     NOT NULL,
  used           CHARACTER VARYING NOT NULL,
  reservation_id VARCHAR(512),
  expires_at     BIGINT            NOT NULL,
  PRIMARY KEY (client_id, idem_key)
);
CREATE INDEX IF NOT EXISTS ${prefix}idempotency_expires ON ${prefix}idempotency (expires_at);

-- Credits held by an unsettled reservation; slots lists the windows it was counted in; idem_key is the
-- idempotency key it was made under (its outcome is forgotten when the reservation is given back in full).
CREATE TABLE IF NOT EXISTS ${prefix}reservations (
  client_id      VARCHAR(1024)     NOT NULL,
  reservation_id VARCHAR(512)      NOT NULL,
  credits        BIGINT            NOT NULL,
  epoch_day      BIGINT            NOT NULL,
  slots          CHARACTER VARYING NOT NULL,
  expires_at     BIGINT            NOT NULL,
  idem_key       VARCHAR(1024),
  PRIMARY KEY (client_id, reservation_id)
);
CREATE INDEX IF NOT EXISTS ${prefix}reservations_client_expires ON ${prefix}reservations (client_id, expires_at);
CREATE INDEX IF NOT EXISTS ${prefix}reservations_expires ON ${prefix}reservations (expires_at);

-- One total per client and day (epoch day in the billing's history zone), not a row per request.
CREATE TABLE IF NOT EXISTS ${prefix}daily (
  client_id VARCHAR(1024) NOT NULL,
  epoch_day BIGINT        NOT NULL,
  credits   BIGINT        NOT NULL,
  PRIMARY KEY (client_id, epoch_day)
);
