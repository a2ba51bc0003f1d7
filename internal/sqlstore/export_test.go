package sqlstore

// SetSessionBatching switches the PostgreSQL read batcher of s off (slots
// 0) or on with that many batches in flight, for benchmarks comparing them.
// Call it before s is used concurrently.
func SetSessionBatching(s *Store, slots int) {
	if slots == 0 || s.dialect != dialectPostgres {
		s.batch = nil
		return
	}
	s.batch = newSessionBatcher(s, slots, DefaultStatementTimeout)
}
