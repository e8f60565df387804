-- The dashboard (SPEC §8): admin sessions, the admin's credentials, one-time login tokens and the
-- dashboard's settings. Secrets here are hashes or sealed: a copied database logs nobody in.

CREATE TABLE admin_sessions (
  -- sha256 (hex) of the cookie's 32 random bytes; the cookie itself is never stored.
  token_hash TEXT PRIMARY KEY,
  via TEXT NOT NULL CHECK (via IN ('launch', 'password', 'one_time')),
  -- Sessions of a launch secret only live as long as the process that minted them.
  launch_id TEXT,
  csrf_token TEXT NOT NULL,
  created_at TEXT NOT NULL,
  last_seen_at TEXT NOT NULL,
  -- Sliding idle expiry; never later than absolute_expires_at.
  expires_at TEXT NOT NULL,
  absolute_expires_at TEXT NOT NULL
) STRICT;

CREATE INDEX admin_sessions_expires ON admin_sessions (expires_at);

-- One row: the admin password (scrypt, with its salt and parameters) and TOTP.
CREATE TABLE admin_credentials (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  -- JSON {algo, N, r, p, keylen, salt, hash} (base64), or NULL when no password is set.
  password_hash TEXT,
  password_set_at TEXT,
  -- The TOTP secret sealed with the key store's data key (never plaintext).
  totp_sealed TEXT,
  totp_enabled INTEGER NOT NULL DEFAULT 0 CHECK (totp_enabled IN (0, 1)),
  -- The last accepted time step: a code is never accepted twice.
  totp_last_step INTEGER,
  updated_at TEXT NOT NULL
) STRICT;

CREATE TABLE admin_one_time_tokens (
  token_hash TEXT PRIMARY KEY,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  used_at TEXT
) STRICT;

-- Failed logins per client address, for the login rate limit.
CREATE TABLE admin_login_failures (
  client TEXT NOT NULL,
  at TEXT NOT NULL
) STRICT;

CREATE INDEX admin_login_failures_client ON admin_login_failures (client, at);

-- The dashboard's settings (setup.complete, notifications, ...): JSON values by key.
CREATE TABLE admin_settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;
