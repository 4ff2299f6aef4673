"""Application services: each public function is one transaction over the storage adapter."""
