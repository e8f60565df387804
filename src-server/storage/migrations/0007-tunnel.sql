-- The tunnel (SPEC §2): what the merchant wants, written by the CLI and the admin API, and what the
-- running node reports. One row each; the node polls `revision` and applies a new one.

CREATE TABLE tunnel_settings (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  enabled INTEGER NOT NULL CHECK (enabled IN (0, 1)),
  provider TEXT CHECK (provider IN ('localtunnel', 'ngrok', 'cloudflared', 'custom')),
  -- JSON object of non-secret options (host, subdomain, domain, bin, url, probe). The ngrok
  -- authtoken is never here: it is sealed in `secrets` under the key store's data key.
  options TEXT NOT NULL,
  revision INTEGER NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;

CREATE TABLE tunnel_status (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  -- The tunnel_settings revision the node has applied.
  revision INTEGER NOT NULL,
  provider TEXT,
  status TEXT NOT NULL CHECK (status IN ('stopped', 'starting', 'connected', 'reconnecting', 'error')),
  url TEXT,
  since TEXT NOT NULL,
  last_error TEXT,
  last_error_at TEXT,
  attempts INTEGER NOT NULL,
  next_retry_at TEXT,
  public_base_url TEXT,
  -- The node writing this row, and when it last said it is alive (NULL: no node runs).
  node_pid INTEGER,
  heartbeat_at TEXT
) STRICT;
