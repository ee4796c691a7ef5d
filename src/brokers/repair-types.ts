// Repairs on consumer groups: claim, setid/reset, consumer delete, group create/delete.
// Plain data in and out; every mutation has a plan that --dry-run prints.
export interface RepairOps {}
