//! When freed memory goes back to the system. The binary runs on mimalloc; loading the
//! articles allocates and frees hundreds of megabytes within seconds, serving then frees
//! small buffers all the time.
//!
//! - While loading, freed pages are kept for reuse ([`LOADING_PURGE_DELAY`]): returned at
//!   once, each was faulted in and zeroed again by the kernel moments later (cold start at
//!   11k articles 6.25–7.17 → 5.46–5.66 s).
//! - Once loaded, the free ranges scheduled meanwhile are returned ([`loaded`]) and later
//!   frees go back at once: the threads that parsed and indexed sit idle and would
//!   otherwise keep them (RSS after start at 11k articles 198 MB; 230–270 MB with
//!   mimalloc's 1 s default), at no cost measured under search load.
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
        // SAFETY: called first thing in `main`, before any other thread exists.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, LOADING_PURGE_DELAY) };
    }
}

/// Gives back what loading freed and returns later frees at once (called after the first
/// snapshot and after the index merge). Also trims glibc's heap, for an embedding that
/// does not run on mimalloc.
pub fn loaded() {
    // SAFETY: a forced collection purges the free ranges every arena has scheduled (only
    // while a delay is set, hence before the delay goes to 0) and the calling thread's empty
    // pages; it touches no live allocation. A range another thread frees between this and
    // the switch below stays scheduled and is kept until reused: microseconds of frees.
    unsafe { libmimalloc_sys::mi_collect(true) };
    if !operator_chose() {
        // SAFETY: mimalloc keeps options as plain words read without atomics, so a reader
        // on another thread racing this store sees the old or the new delay (formally a C
        // data race, harmless for an aligned word); either delay is valid.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) };
    }
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free heap memory; it touches no live allocation.
    unsafe {
        libc::malloc_trim(0);
    }
}
