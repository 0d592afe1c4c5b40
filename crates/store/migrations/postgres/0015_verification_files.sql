-- Business-domain verification files (WeChat's `<name>.txt`, checked before a mini program
-- may open a domain in a web-view): one per provider, served at the origin's root. Keep in
-- step with ../sqlite/0015_verification_files.sql.

-- provider: the provider's name (deleted with it); file_name: `<name>.txt`, unique because
-- it is served at `/<file_name>`; content: the file's text as WeChat gave it.
CREATE TABLE verification_files (
    provider     TEXT PRIMARY KEY REFERENCES providers (name) ON DELETE CASCADE,
    file_name    TEXT NOT NULL UNIQUE,
    content      TEXT NOT NULL,
    updated_time TEXT NOT NULL DEFAULT ''
);
