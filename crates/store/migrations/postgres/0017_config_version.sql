-- One row: grows with every change to an organization, application, provider, certificate
-- or webhook (in the changing transaction). Nodes keep those objects in memory between
-- requests and compare this version once per request that uses them.
CREATE TABLE config_version (
    id      INTEGER NOT NULL PRIMARY KEY,
    version BIGINT NOT NULL
);
INSERT INTO config_version (id, version) VALUES (1, 0);
