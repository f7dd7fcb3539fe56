import { randomUUID } from 'node:crypto';
import { ALERTS_ROOT } from './entity-model.js';
import { GraphRequestError, resourceNotFound } from './graph-error.js';
import { emptyResponse, type GraphResponse, jsonResponse } from './graph-request.js';
import type { GraphObject, TenantStore } from './tenant-store.js';

/** Global Administrator's role template id, the same in every tenant. */
export const GLOBAL_ADMIN_TEMPLATE_ID = '62e90394-69f5-4237-9190-012177145e10';

const ALERTS = `${ALERTS_ROOT}/alerts`;
const DEFINITIONS = `${ALERTS_ROOT}/alertDefinitions`;
const CONFIGURATIONS = `${ALERTS_ROOT}/alertConfigurations`;

interface Operation {
  id: string;
  createdDateTime: string;
  polls: number;
  resourceLocation: string;
}

/**
 * The PIM alert write APIs (beta): refresh with its long-running operation, remediate, dismiss, and
 * configuration updates. Each changes the served tenant so later reads see the effect.
 */
export class AlertActions {
  private readonly operations = new Map<string, Operation>();

  constructor(
    private readonly store: TenantStore,
    private readonly baseUrl: string,
    /** The poll (1-based) on which an operation first reports `succeeded`. */
    private readonly pollsUntilDone: number,
  ) {}

  /** POST alerts/refresh: rescans every alert. */
  refreshAll(body: unknown): GraphResponse {
    if (!isObject(body) || body.scopeId !== '/' || body.scopeType !== 'DirectoryRole') {
      throw new GraphRequestError(
        400,
        'BadRequest',
        "The request body must name scopeId '/' and scopeType 'DirectoryRole'.",
      );
    }
    const alerts = this.store.get(ALERTS)?.items ?? [];
    for (const alert of alerts) markScanned(alert);
    return this.startOperation(randomUUID(), `${this.baseUrl}/beta/${ALERTS}`);
  }

  /** POST alerts/{id}/refresh. */
  refreshOne(alertId: string): GraphResponse {
    const alert = this.alert(alertId);
    markScanned(alert);
    const id = String(alert.id);
    return this.startOperation(`refresh:${id}`, `${this.baseUrl}/beta/${ALERTS}/${id}`);
  }

  /** GET operations/{id}: `running` until the configured poll, then `succeeded` with where to look. */
  getOperation(operationId: string): GraphResponse {
    const operation = this.operations.get(operationId);
    if (!operation) throw resourceNotFound(operationId);
    operation.polls++;
    const done = operation.polls >= this.pollsUntilDone;
    return jsonResponse(200, {
      '@odata.context': `${this.baseUrl}/beta/$metadata#${ALERTS_ROOT}/operations/$entity`,
      id: operation.id,
      createdDateTime: operation.createdDateTime,
      lastActionDateTime: new Date().toISOString(),
      resourceLocation: done ? operation.resourceLocation : '',
      status: done ? 'succeeded' : 'running',
      statusDetail: '',
    });
  }

  /**
   * POST alerts/{id}/alertIncidents/{id}/remediate: does what the alert's mitigation says (takes the role
   * away, or turns on MFA for activation), then drops the incident from the alert.
   */
  remediate(alertId: string, incidentId: string): GraphResponse {
    const alert = this.alert(alertId);
    const incidents = this.store.incidentsOf(alert);
    const incident = incidents.find((i) => sameId(i.id, incidentId));
    if (!incident) throw resourceNotFound(incidentId);
    const definition = this.definitionOf(alert);
    if (definition?.isRemediatable !== true) {
      throw new GraphRequestError(
        400,
        'BadRequest',
        `The alert '${String(alert.id)}' cannot be remediated: its definition is not remediatable.`,
      );
    }
    const alertType = String(alert.alertDefinitionId ?? alert.id);
    if (alertType.endsWith('_NoMfaOnRoleActivationAlert')) {
      this.requireMfaOnActivation(incident);
    } else if (alertType.endsWith('_TooManyGlobalAdminsAssignedToTenantAlert')) {
      this.removeHoldings(incident.assigneeId, GLOBAL_ADMIN_TEMPLATE_ID);
    } else if (typeof incident.assigneeId === 'string') {
      this.removeHoldings(incident.assigneeId, incident.roleDefinitionId ?? incident.roleTemplateId);
    }
    incidents.splice(incidents.indexOf(incident), 1);
    if (typeof alert.incidentCount === 'number') alert.incidentCount = Math.max(0, alert.incidentCount - 1);
    alert.lastModifiedDateTime = new Date().toISOString();
    return emptyResponse(200);
  }

  /** PATCH alerts/{id}: only `isActive` can change (dismissing an alert). */
  patchAlert(alertId: string, body: unknown): GraphResponse {
    const alert = this.alert(alertId);
    if (
      !isObject(body) ||
      typeof body.isActive !== 'boolean' ||
      Object.keys(body).some((k) => k !== 'isActive')
    ) {
      throw new GraphRequestError(
        400,
        'BadRequest',
        'Only the boolean property isActive can be updated on an alert.',
      );
    }
    alert.isActive = body.isActive;
    return emptyResponse(204);
  }

  /** PATCH alertConfigurations/{id}: the body must name the configuration's own derived `@odata.type`. */
  patchConfiguration(configurationId: string, body: unknown): GraphResponse {
    const configuration = this.store.get(CONFIGURATIONS)?.get(configurationId);
    if (!configuration) throw resourceNotFound(configurationId);
    if (!isObject(body) || body['@odata.type'] !== configuration['@odata.type']) {
      throw new GraphRequestError(
        400,
        'BadRequest',
        `The @odata.type of the request body must be '${String(configuration['@odata.type'])}'.`,
      );
    }
    const updatable = updatableProperties(String(configuration['@odata.type']));
    const changes: GraphObject = {};
    for (const [key, value] of Object.entries(body)) {
      if (key === '@odata.type') continue;
      if (!updatable.has(key)) {
        throw new GraphRequestError(
          400,
          'BadRequest',
          `Property '${key}' cannot be updated on this configuration.`,
        );
      }
      // The docs' own example sends isEnabled as the string "true"; Graph takes it.
      changes[key] =
        key === 'isEnabled' && (value === 'true' || value === 'false') ? value === 'true' : value;
    }
    Object.assign(configuration, changes);
    return emptyResponse(204);
  }

  private startOperation(id: string, resourceLocation: string): GraphResponse {
    this.operations.set(id, { id, createdDateTime: new Date().toISOString(), polls: 0, resourceLocation });
    return emptyResponse(202, { Location: `${this.baseUrl}/beta/${ALERTS_ROOT}/operations/${id}` });
  }

  private alert(alertId: string): GraphObject {
    const alert = this.store.get(ALERTS)?.get(alertId);
    if (!alert) throw resourceNotFound(alertId);
    return alert;
  }

  private definitionOf(alert: GraphObject): GraphObject | undefined {
    if (isObject(alert.alertDefinition)) return alert.alertDefinition;
    const id = alert.alertDefinitionId ?? alert.id;
    return typeof id === 'string' ? this.store.get(DEFINITIONS)?.get(id) : undefined;
  }

  /** Removes every active and eligible holding of a role (given by id or template id) by one principal. */
  private removeHoldings(principalId: unknown, role: unknown): void {
    if (typeof principalId !== 'string' || typeof role !== 'string') return;
    const roleIds = new Set([role.toLowerCase()]);
    const definition = this.store.findRoleDefinition(role);
    for (const key of ['id', 'templateId'] as const) {
      if (typeof definition?.[key] === 'string') roleIds.add(definition[key].toLowerCase());
    }
    const held = (item: GraphObject) =>
      sameId(item.principalId, principalId) &&
      typeof item.roleDefinitionId === 'string' &&
      roleIds.has(item.roleDefinitionId.toLowerCase());
    for (const path of [
      'roleManagement/directory/roleAssignmentScheduleInstances',
      'roleManagement/directory/roleEligibilityScheduleInstances',
      'roleManagement/directory/roleAssignments',
    ]) {
      this.store.get(path)?.removeWhere(held);
    }
  }

  /** Adds MultiFactorAuthentication to the role policy's end-user activation rule. */
  private requireMfaOnActivation(incident: GraphObject): void {
    const role = incident.roleDefinitionId ?? incident.roleTemplateId;
    if (typeof role !== 'string') return;
    const definition = this.store.findRoleDefinition(role);
    const roleIds = new Set(
      [role, definition?.id, definition?.templateId].filter((v): v is string => typeof v === 'string'),
    );
    const assignment = this.store
      .get('policies/roleManagementPolicyAssignments')
      ?.items.find(
        (a) =>
          typeof a.roleDefinitionId === 'string' &&
          roleIds.has(a.roleDefinitionId) &&
          (a.scopeId ?? '/') === '/',
      );
    if (!assignment) return;
    const policy = isObject(assignment.policy)
      ? assignment.policy
      : typeof assignment.policyId === 'string'
        ? this.store.get('policies/roleManagementPolicies')?.get(assignment.policyId)
        : undefined;
    if (!policy) return;
    if (!Array.isArray(policy.rules)) policy.rules = [];
    const rules = policy.rules as GraphObject[];
    let rule = rules.find((r) => r.id === 'Enablement_EndUser_Assignment');
    if (!rule) {
      rule = {
        '@odata.type': '#microsoft.graph.unifiedRoleManagementPolicyEnablementRule',
        id: 'Enablement_EndUser_Assignment',
        enabledRules: [],
        target: { caller: 'EndUser', operations: ['all'], level: 'Assignment' },
      };
      rules.push(rule);
    }
    const enabled = Array.isArray(rule.enabledRules) ? (rule.enabledRules as unknown[]) : [];
    if (!enabled.includes('MultiFactorAuthentication'))
      rule.enabledRules = [...enabled, 'MultiFactorAuthentication'];
  }
}

const UPDATABLE_BY_TYPE: Readonly<Record<string, readonly string[]>> = {
  '#microsoft.graph.redundantAssignmentAlertConfiguration': ['duration'],
  '#microsoft.graph.staleSignInAlertConfiguration': ['duration'],
  '#microsoft.graph.tooManyGlobalAdminsAssignedToTenantAlertConfiguration': [
    'globalAdminCountThreshold',
    'percentageOfGlobalAdminsOutOfRolesThreshold',
  ],
  '#microsoft.graph.sequentialActivationRenewalsAlertConfiguration': [
    'sequentialActivationCounterThreshold',
    'timeIntervalBetweenActivations',
  ],
};

function updatableProperties(odataType: string): Set<string> {
  return new Set(['isEnabled', ...(UPDATABLE_BY_TYPE[odataType] ?? [])]);
}

function markScanned(alert: GraphObject): void {
  alert.lastScannedDateTime = new Date().toISOString();
  alert.isActive = true;
}

function sameId(a: unknown, b: string): boolean {
  return typeof a === 'string' && a.toLowerCase() === b.toLowerCase();
}

function isObject(value: unknown): value is GraphObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
