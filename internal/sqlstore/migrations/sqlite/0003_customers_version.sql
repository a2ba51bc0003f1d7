-- A counter of writes to customers, bumped by every insert, update and
-- delete whoever makes it (this process, the CLI's bulk seeding, another
-- process on the same file). The store's in-memory customer index
-- (customersearch.go) remembers the value it is current with; a list that
-- reads another value knows customers changed behind it and reloads.

CREATE TABLE customers_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n  INTEGER NOT NULL
);
INSERT INTO customers_version (id, n) VALUES (1, 0);

CREATE TRIGGER customers_version_insert AFTER INSERT ON customers BEGIN
    UPDATE customers_version SET n = n + 1 WHERE id = 1;
END;

CREATE TRIGGER customers_version_update AFTER UPDATE ON customers BEGIN
    UPDATE customers_version SET n = n + 1 WHERE id = 1;
END;

CREATE TRIGGER customers_version_delete AFTER DELETE ON customers BEGIN
    UPDATE customers_version SET n = n + 1 WHERE id = 1;
END;
