/** Global Administrator's role template id (the same in every tenant). */
export const GLOBAL_ADMIN_TEMPLATE_ID = '62e90394-69f5-4237-9190-012177145e10';
