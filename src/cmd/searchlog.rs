//! `helpcenter searchlog import FILE` and `helpcenter searchlog export`: the event log as
//! JSON Lines ([`crate::searchlog::jsonl`]), to bring history from another tool, to move
//! between SQLite and PostgreSQL, and to load benchmarks. Import writes through the
//! store's tallied insert, so the rollups are built as for live events.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, bail};

use crate::config::Config;
use crate::searchlog::event::now;
use crate::searchlog::jsonl;
use crate::searchlog::tally::Tally;
use crate::searchlog::{Event, Store};

/// Longest line read; a longer one is refused without being held in memory.
const MAX_LINE: usize = 64 * 1024;
/// Refused lines printed one by one before only counting.
const SHOWN_ERRORS: usize = 100;

fn store(config: &Config) -> anyhow::Result<Store> {
    if config.searchlog.trim().eq_ignore_ascii_case("off") {
        bail!("the search log is off; pass --searchlog sqlite://… or postgres://…");
    }
    Ok(Store::connect_lazy(&config.searchlog)?)
}

/// Reads one line of at most [`MAX_LINE`] bytes into `buf`; `Ok(None)` at the end,
/// `Ok(Some(false))` for a line that was too long (skipped).
fn read_line(reader: &mut impl BufRead, buf: &mut Vec<u8>) -> std::io::Result<Option<bool>> {
    buf.clear();
    let n = reader.by_ref().take(MAX_LINE as u64 + 1).read_until(b'\n', buf)?;
    if n == 0 {
        return Ok(None);
    }
    if buf.len() > MAX_LINE && buf.last() != Some(&b'\n') {
        // Skip the rest of the line.
        let mut rest = Vec::new();
        loop {
            rest.clear();
            let m = reader.by_ref().take(MAX_LINE as u64).read_until(b'\n', &mut rest)?;
            if m == 0 || rest.last() == Some(&b'\n') {
                break;
            }
        }
        return Ok(Some(false));
    }
    Ok(Some(true))
}

/// What the parsing thread tells the writer.
enum Parsed {
    Batch(Vec<Event>),
    Done { refused: usize },
}

/// Reads and checks lines into batches of `size` events (on its own thread, so parsing
/// overlaps writing).
fn parse_lines(
    mut reader: impl BufRead,
    file: &Path,
    size: usize,
    tx: &std::sync::mpsc::SyncSender<Parsed>,
) -> anyhow::Result<()> {
    let now = now();
    let (mut refused, mut line_no) = (0usize, 0usize);
    let mut buf = Vec::new();
    let mut batch: Vec<Event> = Vec::with_capacity(size);
    let stderr = std::io::stderr();
    let mut refuse = |line_no: usize, why: &str| {
        refused += 1;
        if refused <= SHOWN_ERRORS {
            let _ = writeln!(stderr.lock(), "{}:{line_no}: {why}", file.display());
        }
    };
    loop {
        let Some(fits) = read_line(&mut reader, &mut buf).with_context(|| format!("cannot read {}", file.display()))?
        else {
            break;
        };
        line_no += 1;
        if !fits {
            refuse(line_no, &format!("line longer than {MAX_LINE} bytes"));
            continue;
        }
        let Ok(text) = std::str::from_utf8(&buf) else {
            refuse(line_no, "not UTF-8");
            continue;
        };
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        match jsonl::parse(text, now) {
            Ok(event) => batch.push(event),
            Err(e) => refuse(line_no, &e.to_string()),
        }
        if batch.len() >= size && tx.send(Parsed::Batch(std::mem::take(&mut batch))).is_err() {
            return Ok(());
        }
    }
    let _ = tx.send(Parsed::Batch(batch));
    let _ = tx.send(Parsed::Done { refused });
    Ok(())
}

/// `searchlog import FILE` (`-` for standard input).
/// `searchlog import`: `batch` events per transaction. Each commit rewrites the pages the
/// batch touched (rollup rows above all), so fewer, larger batches write less (50,000 →
/// 200,000 made the commits of a 1.5 million event import 2.6× cheaper; 200,000 → 300,000
/// took a 15.5 million event import from 98,000–100,000 to 105,000 events/s).
pub fn import(config: &Config, file: &Path, batch: usize) -> anyhow::Result<ExitCode> {
    let input: Box<dyn Read + Send> = if file == Path::new("-") {
        Box::new(std::io::stdin())
    } else {
        Box::new(std::fs::File::open(file).with_context(|| format!("cannot open {}", file.display()))?)
    };
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().context("cannot start the runtime")?;
    let _context = runtime.enter();
    let store = store(config)?;
    runtime.block_on(store.migrate())?;
    store.bulk();
    let started = Instant::now();
    // Two batches alive at most (one written, the next parsed and handed over when the
    // writer takes it): memory stays bounded whatever the file's size.
    let (tx, rx) = std::sync::mpsc::sync_channel(0);
    let path = file.to_path_buf();
    let parser = std::thread::Builder::new()
        .name("parse".into())
        .spawn(move || parse_lines(BufReader::with_capacity(1 << 16, input), &path, batch, &tx))
        .context("cannot start the parsing thread")?;
    let (mut imported, mut refused) = (0usize, 0usize);
    let mut tally = Tally::default();
    for message in rx {
        match message {
            Parsed::Batch(batch) => {
                imported += batch.len();
                runtime.block_on(store.insert_owned(batch, &mut tally, None))?;
            }
            Parsed::Done { refused: n } => refused = n,
        }
    }
    parser.join().map_err(|_| anyhow::anyhow!("the parsing thread failed"))??;
    runtime.block_on(store.close());
    let seconds = started.elapsed().as_secs_f64();
    if refused > SHOWN_ERRORS {
        eprintln!("… and {} more refused lines", refused - SHOWN_ERRORS);
    }
    println!(
        "imported {imported} events, refused {refused} lines, in {seconds:.1} s ({:.0} events/s)",
        imported as f64 / seconds.max(1e-9)
    );
    Ok(if refused > 0 { ExitCode::from(super::EXIT_PROBLEMS) } else { ExitCode::SUCCESS })
}

/// `searchlog export [--since]`: every event (of the period) in time order.
pub fn export(config: &Config, since: Option<&str>, output: Option<&Path>) -> anyhow::Result<ExitCode> {
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().context("cannot start the runtime")?;
    let _context = runtime.enter();
    let store = store(config)?;
    let mut out: Box<dyn Write> = match output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let from_limit = match since {
        Some(s) => Some(crate::report::Period::parse(s, None, now())?.from),
        None => None,
    };
    runtime.block_on(store.migrate())?;
    let Some((first, last)) = runtime.block_on(store.span())? else {
        return Ok(ExitCode::SUCCESS);
    };
    // An hour at a time: memory follows the busiest hour, not the log.
    const WINDOW: i64 = 3600;
    let mut from = from_limit.map_or(first, |f| f.max(first));
    let mut written = 0usize;
    while from <= last {
        let events = runtime.block_on(store.events_between(from, from + WINDOW))?;
        for event in &events {
            writeln!(out, "{}", jsonl::line(event)).context("cannot write the export")?;
        }
        written += events.len();
        from += WINDOW;
    }
    out.flush().context("cannot write the export")?;
    runtime.block_on(store.close());
    eprintln!("exported {written} events");
    Ok(ExitCode::SUCCESS)
}
