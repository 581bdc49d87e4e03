import ArgumentParser
import OrderCore

/// "unknown command 'lsit'; did you mean 'list'?", as git says it, before
/// swift-argument-parser reads a typo as an argument (or `help lsit` as the root's help).
enum UnknownCommand {
    static func names(_ command: ParsableCommand.Type) -> [String] {
        var out: [String] = []
        for sub in command.configuration.subcommands {
            let c = sub.configuration
            out.append(c.commandName ?? String(describing: sub).lowercased())
            out += c.aliases
        }
        return out
    }

    static func subcommand(_ command: ParsableCommand.Type, named name: String) -> ParsableCommand.Type? {
        command.configuration.subcommands.first {
            ($0.configuration.commandName ?? String(describing: $0).lowercased()) == name
                || $0.configuration.aliases.contains(name)
        }
    }

    /// The usage error for `arguments` (global options hoisted), or nil when the
    /// command words are known. Below the top level only a near miss of a subcommand
    /// is caught: a group's default subcommand may take other words as its arguments.
    static func check(_ arguments: [String], root: ParsableCommand.Type) -> String? {
        var words = arguments[...]
        var isHelp = false
        if words.first == "help" {
            isHelp = true
            words = words.dropFirst()
        }
        if isHelp, words.first == "help" { return nil }
        var command = root
        var path: [String] = []
        while let word = words.first, !word.hasPrefix("-") {
            let known = names(command)
            if known.isEmpty { break }
            if let next = subcommand(command, named: word) {
                command = next
                path.append(word)
                words = words.dropFirst()
                continue
            }
            let near = Suggest.nearest(word, in: known)
            let atTop = path.isEmpty
            if atTop || isHelp || !near.isEmpty {
                let what = atTop ? "command" : "\(path.joined(separator: " ")) command"
                let hint =
                    near.isEmpty
                    ? " (see 'orderctl --help')"
                    : "; did you mean " + near.map { "'\($0)'" }.joined(separator: " or ") + "?"
                let shown = word.count > 60 ? String(word.prefix(57)) + "..." : word
                return "unknown " + what + " '" + shown + "'" + hint
            }
            break
        }
        return nil
    }
}
