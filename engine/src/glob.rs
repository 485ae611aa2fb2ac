//! Glob matching exactly like Redis's `stringmatchlen` (KEYS, SCAN MATCH, PSUBSCRIBE).
