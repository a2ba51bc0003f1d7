-- Customer search (the list's `query` filter: substring of email, name and
-- billing name, prefix of external ID, all on the *_lower columns) through
-- a trigram index. customers_search is an FTS5 table with external content:
-- it stores only the index, keyed by customers.rowid, and the triggers below
-- keep it in sync with every write to customers (the store's and bulk
-- loaders' alike). case_sensitive 1 indexes the lowercased text exactly as
-- stored, so a phrase match is a plain substring match; the store still
-- rechecks every candidate with LIKE, so the index only narrows the rows.
--
-- customers has no INTEGER PRIMARY KEY; should a VACUUM ever renumber its
-- rowids, rebuild the index with
--   INSERT INTO customers_search (customers_search) VALUES ('rebuild');

CREATE VIRTUAL TABLE customers_search USING fts5 (
    email_lower, name_lower, billing_name_lower, external_id_lower,
    content = 'customers', content_rowid = 'rowid',
    tokenize = 'trigram case_sensitive 1'
);

CREATE TRIGGER customers_search_insert AFTER INSERT ON customers BEGIN
    INSERT INTO customers_search (rowid, email_lower, name_lower, billing_name_lower, external_id_lower)
    VALUES (new.rowid, new.email_lower, new.name_lower, new.billing_name_lower, new.external_id_lower);
END;

CREATE TRIGGER customers_search_delete AFTER DELETE ON customers BEGIN
    INSERT INTO customers_search (customers_search, rowid, email_lower, name_lower, billing_name_lower, external_id_lower)
    VALUES ('delete', old.rowid, old.email_lower, old.name_lower, old.billing_name_lower, old.external_id_lower);
END;

CREATE TRIGGER customers_search_update AFTER UPDATE OF email_lower, name_lower, billing_name_lower, external_id_lower ON customers BEGIN
    INSERT INTO customers_search (customers_search, rowid, email_lower, name_lower, billing_name_lower, external_id_lower)
    VALUES ('delete', old.rowid, old.email_lower, old.name_lower, old.billing_name_lower, old.external_id_lower);
    INSERT INTO customers_search (rowid, email_lower, name_lower, billing_name_lower, external_id_lower)
    VALUES (new.rowid, new.email_lower, new.name_lower, new.billing_name_lower, new.external_id_lower);
END;

-- Index the customers of a database created before this migration.
INSERT INTO customers_search (customers_search) VALUES ('rebuild');
