#!/usr/bin/env node
import { Command, CommanderError, Option } from 'commander';
import { registerAppCommands } from './commands/app.command.js';
import { registerAuditCommands } from './commands/audit.command.js';
import { registerAuthCommands } from './commands/auth.command.js';
import { registerClusterCommands } from './commands/cluster.command.js';
import { registerCompletionCommand } from './commands/completion.command.js';
import { registerFleetCommands } from './commands/fleet.command.js';
import { registerGeneratorCommands } from './commands/generator.command.js';
import { registerHealthCheckCommands } from './commands/health-check.command.js';
import { registerNotificationCommands } from './commands/notification.command.js';
import { registerRepoCommands } from './commands/repo.command.js';
import { registerSecretCommands } from './commands/secret.command.js';
import { registerProjectCommands } from './commands/project.command.js';
import { registerSsoCommands } from './commands/sso.command.js';
import { registerTokenCommands } from './commands/token.command.js';
import { CliError, EXIT_FAILED, EXIT_USAGE } from './errors.js';
import { clientVersion } from './version.js';

/**
 * The `flotilla` program: every command, with the settings subcommands inherit (usage errors
 * throw instead of exiting, so they map to exit code 2; help follows a usage error).
 */
export function buildProgram(): Command {
  const program = new Command('flotilla')
    .description('Command-line client of a Flotilla hub (multi-cluster GitOps).')
    .version(clientVersion(), '-V, --version', 'print the client version')
    .addOption(
      new Option('-o, --output <format>', 'output format (text is table; markdown: app diff only)')
        .choices(['table', 'text', 'json', 'yaml', 'markdown'])
        .default('table'),
    )
    .exitOverride()
    .showHelpAfterError()
    .showSuggestionAfterError()
    .configureOutput({ outputError: (text, write) => write(text) })
    .addHelpText(
      'after',
      `
Environment:
  FLOTILLA_URL, FLOTILLA_TOKEN   hub and token (win over the saved login)
  FLOTILLA_CONFIG                config file (default $XDG_CONFIG_HOME/flotilla/config.json)
  NO_COLOR                       never colour the output

Exit codes: 0 ok, 1 failed, 2 usage.

Examples:
  $ flotilla login https://flotilla.example.com --token-stdin < token.txt
  $ flotilla cluster add prod-eu-1 -l env=prod -l region=eu
  $ flotilla app sync web --wait --timeout 5m
  $ flotilla audit --cluster prod-eu-1 --since 2h
`,
    );
  registerAuthCommands(program);
  registerClusterCommands(program);
  registerRepoCommands(program);
  registerAppCommands(program);
  registerGeneratorCommands(program);
  registerHealthCheckCommands(program);
  registerFleetCommands(program);
  registerAuditCommands(program);
  registerProjectCommands(program);
  registerSecretCommands(program);
  registerTokenCommands(program);
  registerNotificationCommands(program);
  registerSsoCommands(program);
  registerCompletionCommand(program);
  return program;
}

/** Runs the CLI on `argv` and resolves to the exit code; errors become one line on stderr. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and --version "fail" with exit code 0; everything else commander throws is usage.
      return e.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    const message = e instanceof Error ? e.message : String(e);
    process.stderr.write(`flotilla: ${message}\n`);
    return e instanceof CliError ? e.exitCode : EXIT_FAILED;
  }
}

process.exitCode = await main(process.argv.slice(2));
