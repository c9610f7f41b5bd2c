import { Command } from 'commander';
import { registerAlias } from './commands/alias.js';
import { registerApiKey } from './commands/apikey.js';
import { registerBan } from './commands/ban.js';
import { registerCalls } from './commands/calls.js';
import { registerCdr } from './commands/cdr.js';
import { registerConfig } from './commands/config.js';
import { registerDomain } from './commands/domain.js';
import { registerFeature } from './commands/feature.js';
import { registerGateway } from './commands/gateway.js';
import { registerNumber } from './commands/number.js';
import { registerRecording } from './commands/recording.js';
import { registerRecordingSink } from './commands/recording-sink.js';
import { registerRegistrations } from './commands/registrations.js';
import { registerRoute } from './commands/route.js';
import { registerStart } from './commands/start.js';
import { registerSubscriber } from './commands/subscriber.js';
import { registerTrunk } from './commands/trunk.js';
import type { CliDeps } from './deps.js';
import type { CliIo } from './io.js';
import { packageVersion } from './version.js';

/**
 * The `switchboard` command tree. Each command lives in commands/ and registers itself here;
 * settings made before registering (output, exitOverride) are inherited by every subcommand.
 */
export function buildProgram(io: CliIo, deps: CliDeps): Command {
  const program = new Command('switchboard')
    .description('Switchboard: a SIP service-provider platform in one program')
    .version(packageVersion(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help for this command')
    .configureOutput({
      writeOut: (text) => io.stdout(text),
      writeErr: (text) => io.stderr(text),
    })
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  program.addHelpText(
    'after',
    '\nExamples:\n  switchboard start --sip-port 5070 --default-route sip:127.0.0.1:5080\n  switchboard config show --json\n  switchboard subscriber add alice@example.com --password s3cret\n',
  );
  registerStart(program, io, deps);
  registerConfig(program, io);
  registerDomain(program, io);
  registerSubscriber(program, io);
  registerNumber(program, io);
  registerAlias(program, io);
  registerFeature(program, io);
  registerTrunk(program, io);
  registerGateway(program, io);
  registerRoute(program, io);
  registerCdr(program, io);
  registerRegistrations(program, io);
  registerApiKey(program, io);
  registerBan(program, io);
  registerCalls(program, io);
  registerRecording(program, io);
  registerRecordingSink(program, io, deps);
  return program;
}
