//! Opaque keys: the identifiers of courses, blocks and libraries, as `edx-opaque-keys` and
//! `edx-ccx-keys` define them.
