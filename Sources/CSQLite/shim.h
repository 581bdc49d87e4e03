#include <sqlite3.h>

/* sqlite3_config is variadic, which Swift cannot call: one wrapper per setting used. */

/* No memory statistics: SQLite then takes no global mutex on every allocation. Must run
   before the first connection is opened (SQLITE_MISUSE after, which is harmless). */
static inline int orderctl_sqlite_disable_memstatus(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}
