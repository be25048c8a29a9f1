// Imports every type module, then builds the schema. Nothing else lives here.
import { builder } from '../builder.ts';
import './scalars.ts';
import './errors.ts';
import './enums.ts';
import './account.ts';
import './api-token.ts';
import './live.ts';
import './server.ts';
import './monitor.ts';
import './monitor-summary.ts';
import './checks.ts';
import './monitor-mutations.ts';
import './incident.ts';
import './acknowledge.ts';
import './request.ts';
import './logs.ts';
import './statistics.ts';
import './uptime.ts';
import './sla.ts';
import './flapping.ts';
import './admin.ts';
import './notify-channels.ts';
import './profile.ts';
import './test-ledger.ts';
import './storage.ts';
import './status-page.ts';

export const schema = builder.toSchema({ sortSchema: true });
