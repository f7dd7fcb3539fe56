import { ago, NOW, plus, SECOND, type SnapshotBuilder, tenant } from './snapshot-factory.js';

/**
 * A small tenant in which every one of the seven alerts fires at least once with default settings,
 * for tests that need realistic incidents of every kind (registry, reconciliation, notifiers).
 *
 * - TooManyGlobalAdmins: alice, bob (via group tier0) and deployer (service principal) hold Global Administrator.
 * - InvalidLicense: the only P2 SKU is suspended (`licenceSuspended`).
 * - NoMfaOnRoleActivation: User Administrator asks for justification only.
 * - RedundantAssignment: carol has been eligible for User Administrator for a year and never activated.
 * - RolesAssignedOutsidePim: alice's Global Administrator was added in the directory five days ago.
 * - SequentialActivationRenewals: dave activated Privileged Role Administrator three times back to back.
 * - StaleSignIn: erin holds Global Administrator eligibly and last signed in 90 days ago.
 */
export function everyAlertTenant(): SnapshotBuilder {
  const runStart = ago('P3D');
  return tenant()
    .withoutSkus()
    .sku({
      skuPartNumber: 'AAD_PREMIUM_P2',
      capabilityStatus: 'Suspended',
      servicePlans: [
        {
          servicePlanId: 'eec0eb4f-6444-4f95-aba0-50c24d67f998',
          servicePlanName: 'AAD_PREMIUM_P2',
          provisioningStatus: 'Success',
        },
      ],
    })
    .user('alice', { displayName: 'Alice Admin' })
    .user('bob', { displayName: 'Bob Builder' })
    .user('carol', { displayName: 'Carol Eligible' })
    .user('dave', { displayName: 'Dave Renewer' })
    .user('erin', { displayName: 'Erin Dormant', lastSignIn: ago('P90D') })
    .group('tier0', { displayName: 'Tier 0 Admins' })
    .servicePrincipal('deployer', { displayName: 'Deployment Pipeline' })
    .members('tier0', ['bob'])
    .assigned('alice', 'globalAdmin', { start: null })
    .assigned('tier0', 'globalAdmin')
    .assigned('deployer', 'globalAdmin')
    .eligible('erin', 'globalAdmin')
    .roleAddAudit('alice', 'globalAdmin', ago('P5D'))
    .withoutMfa('userAdmin')
    .eligible('carol', 'userAdmin')
    .eligible('dave', 'privilegedRoleAdmin')
    .activationRun('dave', 'privilegedRoleAdmin', { start: runStart, count: 3, gapMs: 5 * SECOND })
    .activated('dave', 'privilegedRoleAdmin', { start: ago('PT1H'), end: plus(NOW, 7 * 3600 * SECOND) })
    .activation('dave', 'privilegedRoleAdmin', ago('PT1H'));
}
