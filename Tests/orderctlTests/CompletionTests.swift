import Foundation
import Testing

/// Shell completion as a person gets it: bash, in a real terminal (tmux), with the
/// script `orderctl --generate-completion-script bash` writes sourced and the built
/// orderctl on PATH. Each case types a command line, presses Tab, and reads the screen.
/// Skipped where tmux is missing; `make test` installs it. The zsh and fish scripts are
/// only checked to parse, where those shells are installed.
@Suite("shell completion", .serialized)
struct CompletionTests {
    /// A command line typed at the prompt, the Tabs pressed after it, and what the
    /// screen must show then: the prompt line, and words bash listed below it.
    struct Case: CustomStringConvertible {
        var typed: String
        var tabs = 1
        var line: String
        var listed: [String] = []
        var notListed: [String] = []
        var description: String { "'\(typed)' + \(tabs) Tab" }
    }

    static let statuses = [
        "pending", "confirmed", "processing", "shipped", "delivered", "completed", "on_hold", "cancelled",
    ]

    /// Cases typed in a folder holding march.csv, april.jsonl and shop-data/
    /// (with orders-main.db in it) at `dir`.
    static func cases(dir: String) -> [Case] {
        [
            // Commands.
            Case(typed: "orderctl lis", line: "orderctl list"),
            Case(typed: "orderctl stats cus", line: "orderctl stats customers"),
            // Value lists.
            Case(typed: "orderctl list --status sh", line: "orderctl list --status shipped"),
            Case(
                typed: "orderctl list --status ", tabs: 2, line: "orderctl list --status", listed: statuses,
                notListed: ["march.csv"]),
            Case(typed: "orderctl export --status can", line: "orderctl export --status cancelled"),
            Case(typed: "orderctl list --class hi", line: "orderctl list --class high-value"),
            Case(typed: "orderctl add --shipping ex", line: "orderctl add --shipping express"),
            Case(typed: "orderctl edit 1042 --shipping st", line: "orderctl edit 1042 --shipping standard"),
            Case(typed: "orderctl ship 1042 --carrier dh", line: "orderctl ship 1042 --carrier dhl"),
            Case(
                typed: "orderctl shipment update 1042 --carrier fed",
                line: "orderctl shipment update 1042 --carrier fedex"),
            Case(typed: "orderctl stats --by mo", line: "orderctl stats --by month"),
            Case(typed: "orderctl stats --from -90d --by cou", line: "orderctl stats --from -90d --by country"),
            Case(typed: "orderctl stats overview --by cu", line: "orderctl stats overview --by customer"),
            Case(typed: "orderctl config set time", line: "orderctl config set timezone"),
            Case(typed: "orderctl config set class.bulk", line: "orderctl config set class.bulk.min-quantity"),
            Case(typed: "orderctl config set carrier.dh", line: "orderctl config set carrier.dhl.url"),
            Case(typed: "orderctl config unset reorder.serv", line: "orderctl config unset reorder.service-level"),
            Case(typed: "orderctl --color al", line: "orderctl --color always"),
            // Paths: a global option before the command takes a path, not a command.
            Case(typed: "orderctl --db \(dir)/shop-d", tabs: 2, line: "orderctl --db \(dir)/shop-data/orders-main.db"),
            Case(
                typed: "orderctl --db ", tabs: 2, line: "orderctl --db",
                listed: ["march.csv", "april.jsonl", "shop-data/"],
                notListed: ["confirm", "import"]),
            Case(
                typed: "orderctl --db shop-data/orders-main.db li", line: "orderctl --db shop-data/orders-main.db list"),
            Case(typed: "orderctl list --db shop-d", tabs: 2, line: "orderctl list --db shop-data/orders-main.db"),
            Case(
                typed: "orderctl import ", tabs: 2, line: "orderctl import",
                listed: ["march.csv", "april.jsonl", "shop-data/"],
                notListed: ["--dry-run"]),
            Case(typed: "orderctl import mar", line: "orderctl import march.csv"),
            Case(
                typed: "orderctl import march.csv --rejects apr",
                line: "orderctl import march.csv --rejects april.jsonl"),
            Case(typed: "orderctl export apr", line: "orderctl export april.jsonl"),
            Case(typed: "orderctl report --html mar", line: "orderctl report --html march.csv"),
            Case(typed: "orderctl confirm --from-file mar", line: "orderctl confirm --from-file march.csv"),
            Case(typed: "orderctl ship --from-file apr", line: "orderctl ship --from-file april.jsonl"),
        ]
    }

    @Test(
        "bash completes commands, option values and paths, typed into a real shell",
        .enabled(
            if: ExternalTool.path("tmux") != nil && ExternalTool.path("bash") != nil,
            "needs tmux and bash (make test installs tmux)"),
        .timeLimit(.minutes(2)))
    func bashInTmux() throws {
        let sb = try Sandbox()
        let fm = FileManager.default
        let files = sb.dir.appendingPathComponent("files", isDirectory: true)
        try fm.createDirectory(at: files.appendingPathComponent("shop-data"), withIntermediateDirectories: true)
        for name in ["march.csv", "april.jsonl", "shop-data/orders-main.db"] {
            try Data("x\n".utf8).write(to: files.appendingPathComponent(name))
        }
        // orderctl on PATH, as installed, and the script it writes.
        let bin = sb.dir.appendingPathComponent("bin", isDirectory: true)
        try fm.createDirectory(at: bin, withIntermediateDirectories: true)
        try fm.createSymbolicLink(at: bin.appendingPathComponent("orderctl"), withDestinationURL: sb.binary)
        let generated = try sb.run("--generate-completion-script", "bash")
        try #require(
            generated.exitCode == 0 && generated.stdout.contains("complete -o filenames -F _orderctl orderctl"),
            "\(generated)")
        let script = sb.dir.appendingPathComponent("orderctl.bash")
        try Data(generated.stdout.utf8).write(to: script)

        let rc = sb.dir.appendingPathComponent("bashrc")
        try Data("PS1='$ '\nPROMPT_COMMAND=\nsource \(script.path)\ncd \(files.path)\n".utf8).write(to: rc)
        let inputrc = sb.dir.appendingPathComponent("inputrc")
        try Data("set bell-style none\nset completion-query-items 0\nset page-completions off\n".utf8).write(
            to: inputrc)

        let shell = try TmuxSession(
            in: sb,
            command: [
                "/usr/bin/env", "-i", "HOME=\(sb.dir.path)", "PATH=\(bin.path):/usr/bin:/bin", "TERM=screen",
                "LANG=C.UTF-8",
                "INPUTRC=\(inputrc.path)", "HISTFILE=/dev/null",
                ExternalTool.path("bash")!.path, "--noprofile", "--rcfile", rc.path, "-i",
            ])
        defer { shell.close() }
        _ = try #require(shell.waitFor(timeout: 10) { Self.promptLine($0) == "$" }, "no prompt: \(shell.screen())")

        for c in Self.cases(dir: files.path) {
            // A fresh, empty prompt: readline's end of line, kill line, clear screen.
            shell.keys("C-e", "C-u", "C-l")
            guard shell.waitFor(timeout: 10, { $0.trimmingCharacters(in: .whitespacesAndNewlines) == "$" }) != nil
            else {
                Issue.record("the screen did not clear before \(c): \(shell.screen())")
                continue
            }
            shell.type(c.typed)
            guard shell.waitFor(timeout: 10, { Self.promptLine($0) == Self.trimmed("$ " + c.typed) }) != nil else {
                Issue.record("typing \(c) did not show: \(shell.screen())")
                continue
            }
            for _ in 0..<c.tabs { shell.keys("Tab") }
            let expected = "$ " + c.line
            let screen = shell.waitFor(timeout: 10) { screen in
                Self.promptLine(screen) == expected && c.listed.allSatisfy { Self.words(screen).contains($0) }
            }
            let shown = screen ?? shell.screen()
            #expect(
                screen != nil,
                "after \(c): expected the line '\(expected)'\(c.listed.isEmpty ? "" : " and \(c.listed) listed"); the screen:\n\(shown)"
            )
            for word in c.notListed {
                #expect(!Self.words(shown).contains(word), "after \(c): '\(word)' offered; the screen:\n\(shown)")
            }
        }
    }

    /// The last prompt line on the screen, trailing blanks dropped.
    static func promptLine(_ screen: String) -> String? {
        screen.split(separator: "\n").map { trimmed(String($0)) }.last { $0.hasPrefix("$") }
    }

    static func trimmed(_ s: String) -> String {
        String(s.reversed().drop { $0 == " " }.reversed())
    }

    /// Every blank-separated word on the screen.
    static func words(_ screen: String) -> Set<String> {
        Set(screen.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init))
    }

    // MARK: zsh and fish: the scripts parse

    @Test("the bash script parses (bash -n), and its root takes --db and --color")
    func bashParses() throws {
        try parses("bash", ["-n"])
        // Without tmux, at least the script's text (see Sources/orderctl/Completion.swift).
        let script = try Sandbox().run("--generate-completion-script", "bash").stdout
        let root =
            script.components(separatedBy: "\n_orderctl() {").dropFirst().first?.components(separatedBy: "\n}\n").first
            ?? ""
        #expect(root.contains("local -a non_repeating_options=(--db --color)"), "the root function:\n\(root)")
        #expect(root.contains("'--db')\n        __orderctl_add_completions -f"), "the root function:\n\(root)")
    }

    @Test("the zsh script parses (zsh -n)", .enabled(if: ExternalTool.path("zsh") != nil, "zsh is not installed"))
    func zshParses() throws { try parses("zsh", ["-n"]) }

    @Test("the fish script parses (fish -n)", .enabled(if: ExternalTool.path("fish") != nil, "fish is not installed"))
    func fishParses() throws { try parses("fish", ["--no-config", "-n"]) }

    func parses(_ shellName: String, _ options: [String]) throws {
        let shell = try #require(ExternalTool.path(shellName))
        let sb = try Sandbox()
        let generated = try sb.run("--generate-completion-script", shellName)
        try #require(generated.exitCode == 0 && !generated.stdout.isEmpty, "\(generated)")
        let script = sb.dir.appendingPathComponent("orderctl.\(shellName)")
        try Data(generated.stdout.utf8).write(to: script)
        let r = try runProcess(
            shell, options + [script.path], environment: sb.environment(), directory: sb.dir, scratch: sb.scratch)
        #expect(
            r.exitCode == 0 && r.stderr.isEmpty,
            "\(shellName) \(options.joined(separator: " ")) \(script.lastPathComponent):\n\(r)")
    }
}

/// A program the tests use when the machine has it: the first executable of that name
/// on PATH or in the usual folders.
enum ExternalTool {
    static func path(_ name: String) -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let folders = path.split(separator: ":").map(String.init) + ["/usr/local/bin", "/usr/bin", "/bin"]
        for folder in folders where !folder.isEmpty {
            let candidate = URL(fileURLWithPath: folder).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }
}

/// A detached tmux session on a socket of its own (under the sandbox), running one
/// command in a 200x50 window: type into it, read its screen, end it with `close`.
final class TmuxSession {
    let tmux: URL
    let socket: String
    let sandbox: Sandbox
    private var closed = false

    init(in sandbox: Sandbox, command: [String]) throws {
        tmux = try #require(ExternalTool.path("tmux"))
        self.sandbox = sandbox
        socket = "orderctl-test-\(getpid())-\(UUID().uuidString.prefix(8))"
        // This first client forks the server, which must not inherit what this test
        // process passes on: the descriptor by which Foundation's Process learns that a
        // child ended (the client would never seem to end), and a signal mask that
        // blocks SIGHUP, SIGTERM and SIGCHLD (the server would never exit, nor bash on
        // its hangup). So: spawned with no signal blocked, and bash closes every
        // descriptor above 2 before it runs tmux.
        let bash = try #require(ExternalTool.path("bash"))
        let closingDescriptors =
            #"for fd in /proc/$$/fd/*; do fd=${fd##*/}; [ "$fd" -gt 2 ] && eval "exec $fd>&-"; done; exec "$@""#
        let status = try spawnUnblocked(
            bash,
            [
                "-c", closingDescriptors, "bash", tmux.path, "-L", socket,
                "-f", "/dev/null", "new-session", "-d", "-s", "main", "-x", "200", "-y", "50", "--",
            ] + command,
            environment: environment)
        try #require(status == 0, "tmux new-session failed: status \(status)")
    }

    /// Runs a program to its end with stdio on /dev/null, no signal blocked and the
    /// usual dispositions; returns its wait status.
    private func spawnUnblocked(_ program: URL, _ arguments: [String], environment: [String: String]) throws -> Int32 {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var usual = sigset_t()
        sigemptyset(&usual)
        for signal in [
            SIGHUP, SIGINT, SIGQUIT, SIGPIPE, SIGALRM, SIGTERM, SIGCHLD, SIGCONT, SIGTSTP, SIGTTIN, SIGTTOU, SIGUSR1,
            SIGUSR2, SIGWINCH,
        ] {
            sigaddset(&usual, signal)
        }
        posix_spawnattr_setsigdefault(&attributes, &usual)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)

        let argv = ([program.path] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in argv + envp { free(p) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, program.path, &actions, &attributes, argv, envp)
        try #require(spawned == 0, "posix_spawn \(program.path): \(String(cString: strerror(spawned)))")
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        return status
    }

    /// The socket in the sandbox (TMUX_TMPDIR), so that no other tmux is touched.
    var environment: [String: String] {
        [
            "PATH": "/usr/bin:/bin", "HOME": sandbox.dir.path, "TERM": "screen", "TMUX_TMPDIR": sandbox.dir.path,
            "LANG": "C.UTF-8",
        ]
    }

    deinit { close() }

    @discardableResult
    func run(_ arguments: [String]) throws -> RunResult {
        try runProcess(
            tmux, ["-L", socket] + arguments, environment: environment, directory: sandbox.dir,
            scratch: sandbox.scratch, timeout: 10)
    }

    /// Literal text.
    func type(_ text: String) { _ = try? run(["send-keys", "-t", "main", "-l", text]) }

    /// Keys by tmux's names: Tab, C-c, Enter.
    func keys(_ names: String...) { _ = try? run(["send-keys", "-t", "main"] + names) }

    func screen() -> String { (try? run(["capture-pane", "-p", "-t", "main"]))?.stdout ?? "" }

    /// Polls the screen until `done` holds (the screen then) or `timeout` seconds pass (nil).
    func waitFor(timeout: TimeInterval, _ done: (String) -> Bool) -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        repeat {
            let s = screen()
            if done(s) { return s }
            Thread.sleep(forTimeInterval: 0.05)
        } while Date() < deadline
        return nil
    }

    func close() {
        guard !closed else { return }
        closed = true
        _ = try? run(["kill-server"])
    }
}
