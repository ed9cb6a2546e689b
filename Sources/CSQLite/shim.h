#include <sqlite3.h>

/// Turns off SQLite's memory statistics, which take a process-wide mutex on every allocation of every
/// connection. Takes effect only before SQLite's first use (later it returns SQLITE_MISUSE, harmlessly);
/// `sqlite3_config` is variadic, so Swift calls it through this.
static inline int wicket_sqlite3_disable_memstatus(void) { return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); }
