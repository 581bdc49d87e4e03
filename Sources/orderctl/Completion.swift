import ArgumentParser
import OrderCore

/// The command tree that `orderctl --generate-completion-script bash|zsh|fish` describes:
/// the parser's, plus what a person types that the parser sees elsewhere. It never
/// parses a command line.
///
/// - `--db` and `--color` before the command: `GlobalOptions.hoist` takes them out before
///   parsing, so `Orderctl` declares neither, and a script made from it alone would
///   offer commands after `orderctl --db <Tab>`. Here the root takes them.
/// - A group's default subcommand (`stats` is `stats overview`, `product` is `product
///   list`): the generated scripts know nothing of defaults, so `orderctl stats --by
///   <Tab>` would offer subcommands. Here a group also takes its default's options.
struct CompletionRoot: ParsableCommand {
    static let configuration = CompletionTree.regrouped(Orderctl.configuration)

    @OptionGroup var global: GlobalOptions

    /// `--generate-completion-script SHELL` (or `=SHELL`), as the first argument.
    static func isRequest(_ arguments: [String]) -> Bool {
        guard let first = arguments.first else { return false }
        return first == "--generate-completion-script" || first.hasPrefix("--generate-completion-script=")
    }
}

enum CompletionTree {
    /// `configuration` with each subcommand as completion sees it.
    static func regrouped(_ configuration: CommandConfiguration) -> CommandConfiguration {
        var result = configuration
        result.subcommands = configuration.subcommands.map(seen)
        result.defaultSubcommand = configuration.defaultSubcommand.map(seen)
        return result
    }

    /// A leaf as it is; a group with its subcommands regrouped and, when it has a default
    /// subcommand, that one's options. (Defaults take no positional arguments, which
    /// would swallow the subcommand's name.)
    static func seen(_ command: ParsableCommand.Type) -> ParsableCommand.Type {
        let configuration = command.configuration
        guard !configuration.subcommands.isEmpty, configuration.commandName != nil else { return command }
        if let defaultSubcommand = configuration.defaultSubcommand { return withDefault(command, defaultSubcommand) }
        return group(command)
    }

    private static func withDefault<G: ParsableCommand, D: ParsableCommand>(_: G.Type, _: D.Type)
        -> ParsableCommand.Type
    {
        GroupWithDefault<G, D>.self
    }

    private static func group<G: ParsableCommand>(_: G.Type) -> ParsableCommand.Type { Group<G>.self }

    struct Group<G: ParsableCommand>: ParsableCommand {
        static var configuration: CommandConfiguration { regrouped(G.configuration) }
    }

    struct GroupWithDefault<G: ParsableCommand, D: ParsableCommand>: ParsableCommand {
        static var configuration: CommandConfiguration { regrouped(G.configuration) }
        @OptionGroup var defaults: D
    }
}

/// Values that shell completion offers.
enum CompletionValues {
    /// `config get|set|unset` keys: every setting, and a tracking-link key per known carrier.
    static let settingKeys = SettingKey.all.map(\.key) + Carrier.known.map { "carrier.\($0.name).url" }
}
