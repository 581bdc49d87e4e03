import Foundation

/// Fills what the trigger `order_events_status` keeps, for many orders at once, from
/// their history: when each order entered its status (`status_at`), when it was
/// confirmed (`confirmed_at`: it first left pending for a status other than on hold or
/// cancelled), and how long orders stayed in each status (`status_durations`). Schema
/// step 4 runs it over every order. An import turns the trigger off (`defer`, `resume`)
/// and works the same figures out as it writes each order's history (a trigger firing
/// per history event made a 1M-order import take 634 s instead of 336).
enum StatusTimes {
    /// Turns the trigger off for the rest of the transaction (a settings row it checks).
    static func `defer`(_ db: Database) throws {
        try db.run("INSERT OR REPLACE INTO settings(key, value) VALUES ('import.status-times', 'deferred')")
    }

    static func resume(_ db: Database) throws {
        try db.run("DELETE FROM settings WHERE key = 'import.status-times'")
    }

    static func fill(_ db: Database) throws {
        try db.run(
            """
            UPDATE orders SET
                status_at = coalesce((SELECT e.at FROM order_events e
                                       WHERE e.order_id = orders.id AND e.kind IN ('created', 'status') ORDER BY e.seq DESC LIMIT 1),
                                     placed_at),
                confirmed_at = (SELECT e.at FROM order_events e
                                 WHERE e.order_id = orders.id AND e.kind = 'status' AND e.old_value = 'pending'
                                   AND e.new_value NOT IN ('on_hold', 'cancelled') ORDER BY e.seq LIMIT 1)
            """)
        try db.run(
            """
            INSERT INTO status_durations(status, hours, orders) \(Derived.statusDurations)
            ON CONFLICT (status, hours) DO UPDATE SET orders = orders + excluded.orders
            """)
    }
}
