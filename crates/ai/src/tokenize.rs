//! Recording -> Beat codes (being written: see issue #6).
