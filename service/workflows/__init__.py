"""Use cases: each public function is one transaction, committed here at the top."""
