import ArgumentParser
import Foundation
import OrderCore

@main
struct Orderctl: ParsableCommand {
    static let version = "0.3.0"

    static let configuration = CommandConfiguration(
        commandName: "orderctl",
        abstract: "A fast, dependable order manager for a one-person business.",
        discussion: """
            One SQLite file holds the whole business: products, customers, orders and \
            their history. The database is --db PATH, else $ORDERCTL_DB, else \
            $XDG_DATA_HOME/orderctl/orders.db (default ~/.local/share/orderctl/orders.db).

            Global options, accepted before or after the command:
              --db PATH                 the database file
              --color auto|always|never colored output (NO_COLOR is honoured)

            Dates: \(DateResolver.help).

            Exit codes:
              0         success
              1         error that needs the database (unknown SKU, stock, lifecycle, ...),
                        told on stderr (batch commands: any order failed)
              3         remind --exit-code: a reminder was shown; doctor: warnings only
              64        usage error, judged without the database: unknown command or
                        option, missing argument, a value outside a closed set, a bad
                        shape or range (--weeks 99, --timezone Mars/X, --delimiter ';;')
              65        import: invalid rows, conflicts or malformed input; none imported
              130, 143  import interrupted by Ctrl-C (SIGINT) or SIGTERM; none imported

            Getting started:
              orderctl init --currency EUR --timezone Europe/Berlin
              orderctl product add MUG-01 --name "Stoneware mug" --price 12.50 --stock 40
              orderctl customer add --name "Ann Lee" --email ann@example.com --country DE
              orderctl add --customer ann@example.com --item MUG-01:2 --due +3d
              orderctl list
            """,
        version: version,
        // The help lists the commands by what the owner does with them ("ORDER SUBCOMMANDS:"
        // ...); a new command joins the group it belongs to (README, "Development").
        groupedSubcommands: [
            CommandGroup(name: "Setup", subcommands: [Init.self, Orderctl.Config.self]),
            CommandGroup(
                name: "Order",
                subcommands: [
                    Orderctl.Add.self, Orderctl.List.self, Orderctl.Show.self, Edit.self, Note.self, FlagOrder.self,
                    History.self,
                    Why.self,
                ]),
            CommandGroup(
                name: "Lifecycle",
                subcommands: [
                    Confirm.self, Hold.self, Release.self, Pay.self, Ship.self, Orderctl.Shipment.self, Deliver.self,
                    Cancel.self, Return.self, Refund.self, States.self,
                ]),
            CommandGroup(
                name: "Catalog and customer",
                subcommands: [Orderctl.Product.self, Orderctl.Stock.self, Orderctl.Customer.self]),
            CommandGroup(name: "Import and export", subcommands: [Import.self, Export.self]),
            CommandGroup(
                name: "Intake",
                subcommands: [Orderctl.Shop.self, Orderctl.Sync.self, Orderctl.Serve.self, Orderctl.Inbox.self]),
            CommandGroup(
                name: "Insight", subcommands: [Stats.self, Report.self, Predict.self, Forecast.self, Reorder.self]),
            CommandGroup(name: "Reminder", subcommands: [Remind.self, Orderctl.Snooze.self, Orderctl.Rule.self]),
            CommandGroup(
                name: "Safety",
                subcommands: [Orderctl.Backup.self, Orderctl.Restore.self, Orderctl.Doctor.self, Verify.self]),
        ]
    )

    static func main() {
        // From a tree that knows the global options before the command (Completion.swift).
        if CompletionRoot.isRequest(Array(CommandLine.arguments.dropFirst())) {
            CompletionRoot.main()
            return
        }
        let arguments = GlobalOptions.hoist(Array(CommandLine.arguments.dropFirst()))
        if let color = GlobalOptions.hoistedColor, ColorChoice(rawValue: color) == nil {
            Terminal.fail("invalid value '\(color)' for --color (expected auto, always or never)", code: 64)
        }
        do {
            if Environment.value("ORDERCTL_FAST_ARGS") != "0", let fast = FastPath.parse(arguments) {
                try fast.run()
            } else {
                if Environment.value("ORDERCTL_FAST_ARGS") == "only" {
                    // For FastPathTests: proves which path a case takes.
                    Terminal.fail("ORDERCTL_FAST_ARGS=only: these arguments need the full parser", code: 70)
                }
                if let problem = UnknownCommand.check(arguments, root: Orderctl.self) {
                    Terminal.fail(problem, code: 64)
                }
                var command = try parseAsRoot(arguments)
                try command.run()
            }
            if let path = GlobalOptions.createdPath, GlobalOptions.announceCreation {
                Terminal.note("created a new database at \(path)")
            }
        } catch {
            // A failed command leaves no new, empty database behind.
            if let path = GlobalOptions.createdPath { OrderStore.removeIfUnused(path: path) }
            switch error {
            case let error as OrderError:
                Terminal.fail("\(error)")
            case let error as CommandError:
                Terminal.fail(error.description)
            case let error as MalformedInput:
                // Bad input data (README, "Exit codes").
                Terminal.fail(error.description, code: 65)
            case let error as SQLiteError
            where error.isReadOnly && GlobalOptions.openedPath.flatMap(DamageMarker.read) != nil:
                let path = GlobalOptions.openedPath!
                Terminal.fail(
                    "\(path) is marked damaged (\(DamageMarker.read(path)!)), so nothing is changed in it: replace it with 'orderctl restore FILE' (or, once 'orderctl doctor --full' finds it whole, clear the mark with 'orderctl doctor --repair')"
                )
            case let error as SQLiteError where error.isDamaged:
                let path = GlobalOptions.openedPath ?? "the database"
                if let opened = GlobalOptions.openedPath {
                    DamageMarker.markIfDamaged(opened, after: error, at: GlobalOptions.clock()())
                }
                Terminal.fail(
                    "\(path) is damaged (\(error.message)); orderctl will not change it from now on: run 'orderctl doctor --full', then restore a backup with 'orderctl restore FILE'"
                )
            case let error as SQLiteError where error.isReadOnly:
                Terminal.fail(
                    "\(GlobalOptions.openedPath ?? "the database") is read-only here (the file, its folder or the disk), and this command changes it; nothing was changed"
                )
            case let error as SQLiteError where error.isDiskFull:
                Terminal.fail(
                    "the disk holding \(GlobalOptions.openedPath ?? "the database") is full; nothing was changed: free some space and run the command again"
                )
            case let error as SQLiteError:
                Terminal.fail("\(error)")
            case let error as CocoaError:
                let path = (error.userInfo[NSFilePathErrorKey] as? String).map { "\($0): " } ?? ""
                Terminal.fail(path + error.localizedDescription)
            default:
                exit(withError: error)
            }
        }
    }
}
