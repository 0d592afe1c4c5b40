-- Casdoor's Session objects (get-/add-/update-/delete-session): one row per user and
-- application, listing the session ids the application registered for that user. They are
-- not the console's sign-ins (table sessions, keyed by the hash of the cookie); sso-logout
-- deletes both. Keep in step with ../sqlite/0014_casdoor_sessions.sql.

-- owner: the user's organization; name: the user's name; session_id: JSON array of text.
CREATE TABLE casdoor_sessions (
    owner        TEXT NOT NULL,
    name         TEXT NOT NULL,
    application  TEXT NOT NULL,
    created_time TEXT NOT NULL,
    session_id   TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (owner, name, application)
);
