// A VFS over SQLite's unix VFS that writes each commit's WAL frames with one write.
//
// SQLite writes a WAL frame as two writes (its 24-byte header, then the page), so a commit of N pages
// is 2N pwrite calls. This VFS gathers consecutive appends to a `-wal` file in memory and writes them
// in one call (the unix VFS's xWrite: one pwrite) at the write of a commit frame's page, which is the
// last frame of a transaction: SQLite marks a commit frame by a non-zero database size in bytes 4..7
// of its header. Every other file, and every other call, passes straight through.
//
// Why it is exact. A commit becomes visible to anyone (another connection here, the CLI in another
// process, recovery after a crash) only through the file: readers learn of new frames from the
// wal-index header (the -shm file), which SQLite updates after sqlite3WalFrames has written every
// frame, and they then pread the frames from the -wal file. Gathering only delays writes that nothing
// has been told of yet, and they reach the file (the OS page cache, which a kill -9 of this process
// does not lose) inside the commit frame's xWrite, before SQLite touches the wal-index, syncs, or
// returns from COMMIT; a failed write fails that xWrite, so the commit fails exactly as an unwrapped
// one would. As a backstop, anything still gathered is written before any other call on the WAL file
// (sync, read, size, truncate, lock, file-control, close) and before any wal-index call on its database
// file (shm map, lock, barrier, unmap), so no reader, sync or lock can observe the file without it.
// A kill -9 before the gathered write loses only frames of a commit that has not returned (the caller
// never answered); one during it leaves a torn tail that SQLite's frame checksums already reject.
#include "wal_gather.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>

/// Gather at most this many bytes before writing (a batch of many records writes in steps of this).
/// It must stay under 128 KiB: the unix VFS's pwrite masks its length with 0x1ffff (SQLite itself never
/// writes more than a 64 KiB page at once), so a longer write is cut short and fails as SQLITE_FULL.
#define GATHER_LIMIT (64 * 1024)
/// The size of a WAL frame's header and of the WAL file's header (SQLite's file format).
#define FRAME_HEADER 24
#define WAL_HEADER 32

typedef struct GatherFile GatherFile;
struct GatherFile {
    sqlite3_file base;
    /// The unix VFS's file, allocated right after this struct.
    sqlite3_file *real;
    /// A main database: the name SQLite opened it by (its WAL's name leads back to this pointer).
    const char *name;
    int isWAL;
    /// A WAL: its main database's file, whose wal-index calls flush this one first. A database: its WAL.
    GatherFile *peer;
    /// Open main databases, for a WAL opening to find its own.
    GatherFile *nextDatabase;
    unsigned char *buffer;
    int length;
    int capacity;
    /// The file offset of buffer[0].
    sqlite3_int64 start;
    /// The last gathered write was the header of a commit frame: its page, next, ends the commit.
    int commitHeader;
    /// A flush from a call that cannot return an error failed: the next call that can returns it.
    int deferredError;
    wicket_wal_gather_stats stats;
};

static sqlite3_vfs gatherVFS;
static sqlite3_vfs *unixVFS;
static pthread_mutex_t registryLock = PTHREAD_MUTEX_INITIALIZER;
static GatherFile *openDatabases;

static int flushWAL(GatherFile *wal, int fromCommit) {
    if (wal->length == 0) return SQLITE_OK;
    int length = wal->length;
    wal->length = 0;
    wal->commitHeader = 0;
    wal->stats.flushes++;
    if (!fromCommit) wal->stats.otherFlushes++;
    return wal->real->pMethods->xWrite(wal->real, wal->buffer, length, wal->start);
}

/// Flushes `file` if it is a WAL with anything gathered, or its WAL if it is a database.
static int flushBefore(GatherFile *file) {
    GatherFile *wal = file->isWAL ? file : file->peer;
    if (wal == NULL) return SQLITE_OK;
    int rc = flushWAL(wal, 0);
    if (rc == SQLITE_OK && wal->deferredError != SQLITE_OK) {
        rc = wal->deferredError;
        wal->deferredError = SQLITE_OK;
    }
    return rc;
}

static int gatherClose(sqlite3_file *file) {
    GatherFile *p = (GatherFile *)file;
    int flushed = flushBefore(p);
    pthread_mutex_lock(&registryLock);
    if (p->isWAL) {
        if (p->peer) p->peer->peer = NULL;
    } else {
        for (GatherFile **link = &openDatabases; *link; link = &(*link)->nextDatabase) {
            if (*link == p) {
                *link = p->nextDatabase;
                break;
            }
        }
        if (p->peer) p->peer->peer = NULL;
    }
    pthread_mutex_unlock(&registryLock);
    int rc = p->real->pMethods->xClose(p->real);
    sqlite3_free(p->buffer);
    p->buffer = NULL;
    return flushed != SQLITE_OK ? flushed : rc;
}

static int gatherRead(sqlite3_file *file, void *data, int amount, sqlite3_int64 offset) {
    GatherFile *p = (GatherFile *)file;
    int rc = flushBefore(p);
    if (rc != SQLITE_OK) return rc;
    return p->real->pMethods->xRead(p->real, data, amount, offset);
}

static int gatherWrite(sqlite3_file *file, const void *data, int amount, sqlite3_int64 offset) {
    GatherFile *p = (GatherFile *)file;
    if (!p->isWAL) return p->real->pMethods->xWrite(p->real, data, amount, offset);
    p->stats.writes++;
    int rc;
    // Only appends right after what is gathered join it; anything else writes what is gathered first.
    if (p->length > 0 && (offset != p->start + p->length || p->length + amount > GATHER_LIMIT)) {
        if ((rc = flushBefore(p)) != SQLITE_OK) return rc;
    }
    if (amount > GATHER_LIMIT) {
        p->stats.flushes++;
        return p->real->pMethods->xWrite(p->real, data, amount, offset);
    }
    if (p->length + amount > p->capacity) {
        int capacity = p->capacity ? p->capacity : 64 * 1024;
        while (capacity < p->length + amount) capacity *= 2;
        unsigned char *grown = sqlite3_realloc(p->buffer, capacity);
        if (grown == NULL) {
            // Out of memory: write what is gathered, then this, as SQLite would have.
            if ((rc = flushBefore(p)) != SQLITE_OK) return rc;
            p->stats.flushes++;
            return p->real->pMethods->xWrite(p->real, data, amount, offset);
        }
        p->buffer = grown;
        p->capacity = capacity;
    }
    if (p->length == 0) p->start = offset;
    memcpy(p->buffer + p->length, data, (size_t)amount);
    p->length += amount;
    if (p->commitHeader) {
        // The commit frame's page: the transaction's last frame. Write everything now, so that the
        // commit's own call fails if the write does, and nothing is left gathered when SQLite
        // publishes the frames in the wal-index.
        return flushWAL(p, 1);
    }
    const unsigned char *bytes = data;
    p->commitHeader = amount == FRAME_HEADER && offset >= WAL_HEADER && (bytes[4] | bytes[5] | bytes[6] | bytes[7]) != 0;
    return SQLITE_OK;
}

static int gatherTruncate(sqlite3_file *file, sqlite3_int64 size) {
    GatherFile *p = (GatherFile *)file;
    int rc = flushBefore(p);
    if (rc != SQLITE_OK) return rc;
    return p->real->pMethods->xTruncate(p->real, size);
}

static int gatherSync(sqlite3_file *file, int flags) {
    GatherFile *p = (GatherFile *)file;
    int rc = flushBefore(p);
    if (rc != SQLITE_OK) return rc;
    return p->real->pMethods->xSync(p->real, flags);
}

static int gatherFileSize(sqlite3_file *file, sqlite3_int64 *size) {
    GatherFile *p = (GatherFile *)file;
    int rc = flushBefore(p);
    if (rc != SQLITE_OK) return rc;
    return p->real->pMethods->xFileSize(p->real, size);
}

static int gatherLock(sqlite3_file *file, int level) {
    GatherFile *p = (GatherFile *)file;
    int rc = flushBefore(p);
    if (rc != SQLITE_OK) return rc;
    return p->real->pMethods->xLock(p->real, level);
}

static int gatherUnlock(sqlite3_file *file, int level) {
    GatherFile *p = (GatherFile *)file;
    int rc = flushBefore(p);
    if (rc != SQLITE_OK) return rc;
    return p->real->pMethods->xUnlock(p->real, level);
}

static int gatherCheckReservedLock(sqlite3_file *file, int *out) {
    GatherFile *p = (GatherFile *)file;
    return p->real->pMethods->xCheckReservedLock(p->real, out);
}

static int gatherFileControl(sqlite3_file *file, int op, void *arg) {
    GatherFile *p = (GatherFile *)file;
    int rc = flushBefore(p);
    if (rc != SQLITE_OK) return rc;
    rc = p->real->pMethods->xFileControl(p->real, op, arg);
    // The VFS's name as SQLite reports it names this one too.
    if (op == SQLITE_FCNTL_VFSNAME && rc == SQLITE_OK) {
        char **name = arg;
        *name = sqlite3_mprintf("%s/%z", gatherVFS.zName, *name);
    }
    return rc;
}

static int gatherSectorSize(sqlite3_file *file) {
    GatherFile *p = (GatherFile *)file;
    return p->real->pMethods->xSectorSize(p->real);
}

static int gatherDeviceCharacteristics(sqlite3_file *file) {
    GatherFile *p = (GatherFile *)file;
    return p->real->pMethods->xDeviceCharacteristics(p->real);
}

static int gatherShmMap(sqlite3_file *file, int page, int pageSize, int extend, void volatile **out) {
    GatherFile *p = (GatherFile *)file;
    int rc = flushBefore(p);
    if (rc != SQLITE_OK) return rc;
    return p->real->pMethods->xShmMap(p->real, page, pageSize, extend, out);
}

static int gatherShmLock(sqlite3_file *file, int offset, int n, int flags) {
    GatherFile *p = (GatherFile *)file;
    int rc = flushBefore(p);
    if (rc != SQLITE_OK) return rc;
    return p->real->pMethods->xShmLock(p->real, offset, n, flags);
}

static void gatherShmBarrier(sqlite3_file *file) {
    GatherFile *p = (GatherFile *)file;
    GatherFile *wal = p->isWAL ? p : p->peer;
    // Never reached with anything gathered in SQLite's own order (the commit frame's write wrote it);
    // should it be, the write still precedes the barrier, and a failure is kept for the next call.
    if (wal != NULL && wal->length > 0) {
        int rc = flushWAL(wal, 0);
        if (rc != SQLITE_OK && wal->deferredError == SQLITE_OK) wal->deferredError = rc;
    }
    p->real->pMethods->xShmBarrier(p->real);
}

static int gatherShmUnmap(sqlite3_file *file, int deleteFlag) {
    GatherFile *p = (GatherFile *)file;
    int rc = flushBefore(p);
    if (rc != SQLITE_OK) return rc;
    return p->real->pMethods->xShmUnmap(p->real, deleteFlag);
}

static int gatherFetch(sqlite3_file *file, sqlite3_int64 offset, int amount, void **out) {
    GatherFile *p = (GatherFile *)file;
    if (p->real->pMethods->iVersion < 3) {
        *out = NULL;
        return SQLITE_OK;
    }
    int rc = flushBefore(p);
    if (rc != SQLITE_OK) return rc;
    return p->real->pMethods->xFetch(p->real, offset, amount, out);
}

static int gatherUnfetch(sqlite3_file *file, sqlite3_int64 offset, void *page) {
    GatherFile *p = (GatherFile *)file;
    if (p->real->pMethods->iVersion < 3) return SQLITE_OK;
    return p->real->pMethods->xUnfetch(p->real, offset, page);
}

static const sqlite3_io_methods gatherMethods = {
    3,
    gatherClose,
    gatherRead,
    gatherWrite,
    gatherTruncate,
    gatherSync,
    gatherFileSize,
    gatherLock,
    gatherUnlock,
    gatherCheckReservedLock,
    gatherFileControl,
    gatherSectorSize,
    gatherDeviceCharacteristics,
    gatherShmMap,
    gatherShmLock,
    gatherShmBarrier,
    gatherShmUnmap,
    gatherFetch,
    gatherUnfetch,
};

static int gatherOpen(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *file, int flags, int *outFlags) {
    (void)vfs;
    GatherFile *p = (GatherFile *)file;
    memset(p, 0, sizeof(GatherFile));
    p->real = (sqlite3_file *)&p[1];
    int rc = unixVFS->xOpen(unixVFS, name, p->real, flags, outFlags);
    if (p->real->pMethods == NULL) {
        p->base.pMethods = NULL;
        return rc != SQLITE_OK ? rc : SQLITE_CANTOPEN;
    }
    if (rc != SQLITE_OK) {
        p->real->pMethods->xClose(p->real);
        p->base.pMethods = NULL;
        return rc;
    }
    p->isWAL = (flags & SQLITE_OPEN_WAL) != 0 && name != NULL;
    pthread_mutex_lock(&registryLock);
    if (p->isWAL) {
        const char *database = sqlite3_filename_database(name);
        for (GatherFile *db = openDatabases; db; db = db->nextDatabase) {
            if (db->name == database) {
                db->peer = p;
                p->peer = db;
                break;
            }
        }
    } else if ((flags & SQLITE_OPEN_MAIN_DB) != 0 && name != NULL) {
        p->name = name;
        p->nextDatabase = openDatabases;
        openDatabases = p;
    }
    pthread_mutex_unlock(&registryLock);
    p->base.pMethods = &gatherMethods;
    return SQLITE_OK;
}

static int gatherDelete(sqlite3_vfs *vfs, const char *name, int syncDir) {
    (void)vfs;
    return unixVFS->xDelete(unixVFS, name, syncDir);
}

static int gatherAccess(sqlite3_vfs *vfs, const char *name, int flags, int *out) {
    (void)vfs;
    return unixVFS->xAccess(unixVFS, name, flags, out);
}

static int gatherFullPathname(sqlite3_vfs *vfs, const char *name, int size, char *out) {
    (void)vfs;
    return unixVFS->xFullPathname(unixVFS, name, size, out);
}

static void *gatherDlOpen(sqlite3_vfs *vfs, const char *name) {
    (void)vfs;
    return unixVFS->xDlOpen(unixVFS, name);
}

static void gatherDlError(sqlite3_vfs *vfs, int size, char *out) {
    (void)vfs;
    unixVFS->xDlError(unixVFS, size, out);
}

static void (*gatherDlSym(sqlite3_vfs *vfs, void *handle, const char *symbol))(void) {
    (void)vfs;
    return unixVFS->xDlSym(unixVFS, handle, symbol);
}

static void gatherDlClose(sqlite3_vfs *vfs, void *handle) {
    (void)vfs;
    unixVFS->xDlClose(unixVFS, handle);
}

static int gatherRandomness(sqlite3_vfs *vfs, int size, char *out) {
    (void)vfs;
    return unixVFS->xRandomness(unixVFS, size, out);
}

static int gatherSleep(sqlite3_vfs *vfs, int micros) {
    (void)vfs;
    return unixVFS->xSleep(unixVFS, micros);
}

static int gatherCurrentTime(sqlite3_vfs *vfs, double *out) {
    (void)vfs;
    return unixVFS->xCurrentTime(unixVFS, out);
}

static int gatherGetLastError(sqlite3_vfs *vfs, int size, char *out) {
    (void)vfs;
    return unixVFS->xGetLastError(unixVFS, size, out);
}

static int gatherCurrentTimeInt64(sqlite3_vfs *vfs, sqlite3_int64 *out) {
    (void)vfs;
    return unixVFS->xCurrentTimeInt64(unixVFS, out);
}

static pthread_once_t registerOnce = PTHREAD_ONCE_INIT;
static int registerResult = SQLITE_ERROR;

static void registerGather(void) {
    unixVFS = sqlite3_vfs_find(NULL);
    if (unixVFS == NULL || unixVFS->iVersion < 2) {
        registerResult = SQLITE_ERROR;
        return;
    }
    gatherVFS.iVersion = 2;
    gatherVFS.szOsFile = (int)sizeof(GatherFile) + unixVFS->szOsFile;
    gatherVFS.mxPathname = unixVFS->mxPathname;
    gatherVFS.zName = WICKET_WAL_GATHER_VFS;
    gatherVFS.xOpen = gatherOpen;
    gatherVFS.xDelete = gatherDelete;
    gatherVFS.xAccess = gatherAccess;
    gatherVFS.xFullPathname = gatherFullPathname;
    gatherVFS.xDlOpen = gatherDlOpen;
    gatherVFS.xDlError = gatherDlError;
    gatherVFS.xDlSym = gatherDlSym;
    gatherVFS.xDlClose = gatherDlClose;
    gatherVFS.xRandomness = gatherRandomness;
    gatherVFS.xSleep = gatherSleep;
    gatherVFS.xCurrentTime = gatherCurrentTime;
    gatherVFS.xGetLastError = gatherGetLastError;
    gatherVFS.xCurrentTimeInt64 = gatherCurrentTimeInt64;
    registerResult = sqlite3_vfs_register(&gatherVFS, 0);
}

int wicket_wal_gather_register(void) {
    pthread_once(&registerOnce, registerGather);
    return registerResult;
}

int wicket_wal_gather_stats_of(sqlite3 *db, wicket_wal_gather_stats *stats) {
    sqlite3_file *file = NULL;
    if (sqlite3_file_control(db, "main", SQLITE_FCNTL_JOURNAL_POINTER, &file) != SQLITE_OK || file == NULL ||
        file->pMethods != &gatherMethods) {
        return SQLITE_NOTFOUND;
    }
    GatherFile *wal = (GatherFile *)file;
    if (!wal->isWAL) return SQLITE_NOTFOUND;
    *stats = wal->stats;
    return SQLITE_OK;
}
