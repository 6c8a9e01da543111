//! When freed memory goes back to the system. The binary runs on mimalloc; loading the
//! articles allocates and frees hundreds of megabytes within seconds, serving then frees
//! small buffers all the time.
//!
//! - While loading, freed pages are kept for reuse ([`LOADING_PURGE_DELAY`]): returned at
//!   once, each was faulted in and zeroed again by the kernel moments later (a sixth of the
//!   CPU of a cold start at 11k articles; 6.0 → 5.0 s).
//! - Once loaded, everything freed is returned ([`loaded`]) and later frees go back at
//!   once: the threads that parsed and indexed sit idle and would otherwise keep it (RSS
//!   after start 230 → 176 MB at 11k articles), at no cost measured under search load.
//!
//! An operator's `MIMALLOC_PURGE_DELAY` wins over both.

/// mimalloc's `mi_option_purge_delay` (its number in libmimalloc-sys 0.1.49, pinned).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Milliseconds a freed page is kept while loading: longer than any load.
const LOADING_PURGE_DELAY: std::ffi::c_long = 600_000;

fn operator_chose() -> bool {
    std::env::var_os("MIMALLOC_PURGE_DELAY").is_some()
}

/// Keeps freed memory for reuse while the articles load. Call first thing in `main`.
pub fn loading() {
    if !operator_chose() {
        // SAFETY: sets a process-wide option; mimalloc reads it as a plain word.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, LOADING_PURGE_DELAY) };
    }
}

/// Gives back what loading freed and returns later frees at once (called after the first
/// snapshot and after the index merge). Also trims glibc's heap, for an embedding that
/// does not run on mimalloc.
pub fn loaded() {
    // SAFETY: a forced collection returns the free pages of every arena to the system (it
    // purges only while a delay is set: before the delay goes to 0); it touches no live
    // allocation.
    unsafe { libmimalloc_sys::mi_collect(true) };
    if !operator_chose() {
        // SAFETY: as in `loading`; mimalloc's options are meant to be set at run time
        // (a racing reader sees the old or the new delay, either is valid).
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) };
    }
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free heap memory; it touches no live allocation.
    unsafe {
        libc::malloc_trim(0);
    }
}
