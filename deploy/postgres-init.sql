-- Run once by the postgres image on an empty data volume (docker-entrypoint-initdb.d). The
-- services do not create their databases (only the dev and test scripts do), so each
-- subgraph's own database is made here; each service then migrates its schema at start.
CREATE DATABASE ko_users;
CREATE DATABASE ko_events;
CREATE DATABASE ko_tickets;
CREATE DATABASE ko_chat;
-- The mail function's records (its event source, `mail`, migrates the schema).
CREATE DATABASE ko_mail;
