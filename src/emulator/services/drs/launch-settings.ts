/**
 * DRS launch settings: each source server's launch configuration, the account's launch
 * configuration templates, and post-launch actions (per source server or per template), as the
 * DRS model shapes them. What DRS documents as an effect on a launch is applied when a launch
 * starts: `launchDisposition: STOPPED` leaves the recovery instance stopped, `copyTags` decides
 * whether the server's tags go onto it, `copyPrivateIp` gives it the server's private IP.
 */
import { Random } from '../../random.js';
import type { DrsAccountView } from './account-view.js';
import { conflict, notFound } from './errors.js';
import type {
  LaunchActionRecord,
  LaunchActionsPlan,
  LaunchSettings,
  LaunchSettingsState,
  LaunchTemplateRecord,
  SourceServerRecord,
} from './records.js';

/**
 * The emulator's defaults: STARTED, BASIC right-sizing, license included, no post-launch actions,
 * private IP not copied, and tags copied (the emulator's earlier behaviour, which the
 * orchestrator's tests rely on; set `copyTags: false` to see DRS's console default).
 */
const DEFAULTS: Omit<LaunchSettings, 'name'> = {
  launchDisposition: 'STARTED',
  targetInstanceTypeRightSizingMethod: 'BASIC',
  copyPrivateIp: false,
  copyTags: true,
  licensing: { osByol: false },
  postLaunchEnabled: false,
};

type Body = Record<string, unknown>;

function settingsOf(account: DrsAccountView): LaunchSettingsState {
  const state = account.state as typeof account.state & { launch?: LaunchSettingsState };
  state.launch ??= { configurations: {}, templates: [], actions: {} };
  return state.launch;
}

function requireServer(account: DrsAccountView, id: string): SourceServerRecord {
  const server = account.server(id);
  if (!server) throw notFound(`Source server ${id} not found`, id, 'SOURCE_SERVER');
  return server;
}

/** The launch configuration a launch of `server` uses now. */
export function launchSettings(account: DrsAccountView, server: SourceServerRecord): LaunchSettings {
  return settingsOf(account).configurations[server.sourceServerID] ?? { ...DEFAULTS, name: server.hostname };
}

/**
 * The EC2 launch template DRS created for a source server (GetLaunchConfiguration's
 * `ec2LaunchTemplateID`; EC2 serves it, and a launch reads its default version).
 */
export function launchTemplateIdOf(sourceServerID: string): string {
  return `lt-0${new Random(`lt/${sourceServerID}`).hex(16)}`;
}

function configurationJson(account: DrsAccountView, server: SourceServerRecord): Body {
  const s = launchSettings(account, server);
  return {
    sourceServerID: server.sourceServerID,
    name: s.name ?? server.hostname,
    ec2LaunchTemplateID: launchTemplateIdOf(server.sourceServerID),
    launchDisposition: s.launchDisposition,
    targetInstanceTypeRightSizingMethod: s.targetInstanceTypeRightSizingMethod,
    copyPrivateIp: s.copyPrivateIp,
    copyTags: s.copyTags,
    licensing: s.licensing,
    postLaunchEnabled: s.postLaunchEnabled,
  };
}

const SETTING_MEMBERS = [
  'launchDisposition',
  'targetInstanceTypeRightSizingMethod',
  'copyPrivateIp',
  'copyTags',
  'licensing',
  'postLaunchEnabled',
] as const;

function merge<T extends object>(base: T, body: Body, members: readonly string[]): T {
  const out = { ...base } as Record<string, unknown>;
  for (const m of members) if (body[m] !== undefined) out[m] = body[m];
  return out as T;
}

function templateJson(account: DrsAccountView, t: LaunchTemplateRecord): Body {
  return {
    launchConfigurationTemplateID: t.launchConfigurationTemplateID,
    arn: `arn:aws:drs:${account.region}:${account.accountId}:launch-configuration-template/${t.launchConfigurationTemplateID}`,
    tags: t.tags,
    launchDisposition: t.launchDisposition,
    targetInstanceTypeRightSizingMethod: t.targetInstanceTypeRightSizingMethod,
    copyPrivateIp: t.copyPrivateIp,
    copyTags: t.copyTags,
    licensing: t.licensing,
    ...(t.exportBucketArn === undefined ? {} : { exportBucketArn: t.exportBucketArn }),
    postLaunchEnabled: t.postLaunchEnabled,
    launchIntoSourceInstance: t.launchIntoSourceInstance,
  };
}

function requireResource(account: DrsAccountView, resourceId: string): void {
  if (resourceId.startsWith('lct-')) {
    if (!settingsOf(account).templates.some((t) => t.launchConfigurationTemplateID === resourceId))
      throw notFound(
        `Launch configuration template ${resourceId} not found`,
        resourceId,
        'LAUNCH_CONFIGURATION_TEMPLATE',
      );
  } else requireServer(account, resourceId);
}

const MINUTE = 60_000;

/**
 * DRS applies the default launch settings to a newly added source server ("the default
 * post-launch actions settings apply to newly added source servers"): the account's launch
 * configuration template (the oldest, when several exist) becomes the server's launch
 * configuration, and the template's post-launch actions are copied onto the server. Later changes
 * to the template do not reach servers that already exist. Nothing when the account has no
 * template (the server keeps the emulator's defaults).
 */
export function applyDefaultLaunchSettings(account: DrsAccountView, server: SourceServerRecord): void {
  const settings = settingsOf(account);
  const template = settings.templates[0];
  if (!template) return;
  settings.configurations[server.sourceServerID] = {
    name: server.hostname,
    launchDisposition: template.launchDisposition,
    targetInstanceTypeRightSizingMethod: template.targetInstanceTypeRightSizingMethod,
    copyPrivateIp: template.copyPrivateIp,
    copyTags: template.copyTags,
    licensing: { ...template.licensing },
    postLaunchEnabled: template.postLaunchEnabled,
  };
  const actions = settings.actions[template.launchConfigurationTemplateID] ?? [];
  if (actions.length > 0) settings.actions[server.sourceServerID] = structuredClone(actions);
}

/** A seeded UUID (the model's LaunchActionRunId pattern). */
function uuid(r: Random): string {
  const h = r.hex(32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * The post-launch actions a launch of `server` runs, planned when its job starts: when the
 * server's launch configuration has `postLaunchEnabled`, each of its **active** actions, in
 * `order`, one after the other. The SSM agent is seen 1-3 virtual minutes after the instance
 * launched; each run then takes 1-4 minutes (seeded by job and server). A run fails when the
 * fault plan says so (`launchActionFailures`). Undefined when nothing runs.
 */
export function planLaunchActions(
  account: DrsAccountView,
  server: SourceServerRecord,
  jobID: string,
  launchedMs: number,
  failureOf: (actionId: string) => string | undefined,
): LaunchActionsPlan | undefined {
  if (!launchSettings(account, server).postLaunchEnabled) return undefined;
  const actions = (settingsOf(account).actions[server.sourceServerID] ?? [])
    .filter((a) => a.active)
    .sort((a, b) => a.order - b.order);
  if (actions.length === 0) return undefined;
  const r = new Random(`launch-actions/${jobID}/${server.sourceServerID}`);
  const ssmAgentDiscoveryMs = launchedMs + r.int(1, 3) * MINUTE;
  let at = ssmAgentDiscoveryMs;
  const runs = actions.map((action) => {
    at += r.int(1, 4) * MINUTE;
    const reason = failureOf(action.actionId);
    return {
      action: structuredClone(action),
      runId: uuid(r),
      endMs: at,
      ...(reason === undefined ? {} : { failureReason: reason }),
    };
  });
  return { ssmAgentDiscoveryMs, runs };
}

/** The DRS launch-settings operations, by name: each returns the JSON body of its answer. */
export const LAUNCH_OPERATIONS: Readonly<Record<string, (account: DrsAccountView, body: Body) => string>> = {
  GetLaunchConfiguration(account, body) {
    return JSON.stringify(configurationJson(account, requireServer(account, body.sourceServerID as string)));
  },

  UpdateLaunchConfiguration(account, body) {
    const server = requireServer(account, body.sourceServerID as string);
    const next = merge(launchSettings(account, server), body, [...SETTING_MEMBERS, 'name']);
    settingsOf(account).configurations[server.sourceServerID] = next;
    return JSON.stringify(configurationJson(account, server));
  },

  DescribeLaunchConfigurationTemplates(account, body) {
    const ids = (body.launchConfigurationTemplateIDs as string[] | undefined) ?? [];
    const all = settingsOf(account).templates;
    const items = ids.length === 0 ? all : all.filter((t) => ids.includes(t.launchConfigurationTemplateID));
    if (ids.length > 0 && items.length === 0) {
      throw notFound(
        `Launch configuration template ${ids[0]} not found`,
        ids[0] as string,
        'LAUNCH_CONFIGURATION_TEMPLATE',
      );
    }
    return JSON.stringify({ items: items.map((t) => templateJson(account, t)) });
  },

  CreateLaunchConfigurationTemplate(account, body) {
    const id = `lct-${account.rng.hex(17)}`;
    account.syncRng();
    const template: LaunchTemplateRecord = merge(
      {
        ...DEFAULTS,
        launchConfigurationTemplateID: id,
        tags: { ...((body.tags as Record<string, string>) ?? {}) },
        launchIntoSourceInstance: false,
      } as LaunchTemplateRecord,
      body,
      [...SETTING_MEMBERS, 'exportBucketArn', 'launchIntoSourceInstance'],
    );
    settingsOf(account).templates.push(template);
    return JSON.stringify({ launchConfigurationTemplate: templateJson(account, template) });
  },

  UpdateLaunchConfigurationTemplate(account, body) {
    const id = body.launchConfigurationTemplateID as string;
    const templates = settingsOf(account).templates;
    const i = templates.findIndex((t) => t.launchConfigurationTemplateID === id);
    const current = templates[i];
    if (!current)
      throw notFound(`Launch configuration template ${id} not found`, id, 'LAUNCH_CONFIGURATION_TEMPLATE');
    const next = merge(current, body, [...SETTING_MEMBERS, 'exportBucketArn', 'launchIntoSourceInstance']);
    templates[i] = next;
    return JSON.stringify({ launchConfigurationTemplate: templateJson(account, next) });
  },

  PutLaunchAction(account, body) {
    const resourceId = body.resourceId as string;
    requireResource(account, resourceId);
    const all = settingsOf(account).actions;
    const actions = all[resourceId] ?? [];
    all[resourceId] = actions;
    const actionId = body.actionId as string;
    const clash = actions.find((a) => a.order === body.order && a.actionId !== actionId);
    if (clash) {
      throw conflict(
        `Launch action order ${String(body.order)} is already used by action ${clash.actionId} on ${resourceId}`,
        resourceId,
        'LAUNCH_ACTION',
      );
    }
    const code = body.actionCode as string;
    const action: LaunchActionRecord = {
      actionId,
      actionCode: code,
      // Run Command documents are SSM_COMMAND; everything else runs as an Automation.
      type: /^AWS-Run(Shell|PowerShell)Script$/.test(code) ? 'SSM_COMMAND' : 'SSM_AUTOMATION',
      name: body.name as string,
      active: body.active as boolean,
      order: body.order as number,
      actionVersion: body.actionVersion as string,
      optional: body.optional as boolean,
      ...(body.parameters === undefined
        ? {}
        : { parameters: body.parameters as Record<string, { value: string; type: string }> }),
      description: body.description as string,
      category: body.category as string,
    };
    const at = actions.findIndex((a) => a.actionId === actionId);
    if (at >= 0) actions[at] = action;
    else actions.push(action);
    return JSON.stringify({ resourceId, ...action });
  },

  ListLaunchActions(account, body) {
    const resourceId = body.resourceId as string;
    requireResource(account, resourceId);
    const wanted = ((body.filters as { actionIds?: string[] } | undefined)?.actionIds ?? []) as string[];
    const items = [...(settingsOf(account).actions[resourceId] ?? [])]
      .filter((a) => wanted.length === 0 || wanted.includes(a.actionId))
      .sort((a, b) => a.order - b.order);
    return JSON.stringify({ items });
  },

  DeleteLaunchAction(account, body) {
    const resourceId = body.resourceId as string;
    requireResource(account, resourceId);
    const actions = settingsOf(account).actions[resourceId] ?? [];
    const at = actions.findIndex((a) => a.actionId === body.actionId);
    if (at < 0)
      throw notFound(
        `Launch action ${String(body.actionId)} not found on ${resourceId}`,
        String(body.actionId),
        'LAUNCH_ACTION',
      );
    actions.splice(at, 1);
    return '';
  },
};
