#ifndef WICKET_WAL_GATHER_H
#define WICKET_WAL_GATHER_H

#include <sqlite3.h>

/// The name of the VFS that gathers a commit's WAL appends into one write (wal_gather.c).
#define WICKET_WAL_GATHER_VFS "wicket-wal-gather"

/// Registers the gathering VFS over the default (unix) VFS, once, without making it the default.
/// Returns SQLITE_OK, or SQLite's error when the default VFS is missing or registration fails.
int wicket_wal_gather_register(void);

/// What one WAL file's gathering did (for tests and benchmarks).
typedef struct {
    /// Writes SQLite asked of the WAL file.
    sqlite3_int64 writes;
    /// Writes that reached the file (each one pwrite of everything gathered before it).
    sqlite3_int64 flushes;
    /// Flushes made by a call other than a commit frame's write (a sync, a lock, a read, a barrier...).
    sqlite3_int64 otherFlushes;
} wicket_wal_gather_stats;

/// Fills `stats` for the WAL file of connection `db`'s main database; returns SQLITE_OK, or
/// SQLITE_NOTFOUND when that connection has no WAL open through the gathering VFS.
int wicket_wal_gather_stats_of(sqlite3 *db, wicket_wal_gather_stats *stats);

#endif
