/**
 * Ansible's implicit localhost: `delegate_to: localhost` works without listing the control
 * machine in the inventory, and connects locally (used to run kubectl with a kubeconfig).
 */
export function isImplicitLocalhost(name: string): boolean {
  return name === 'localhost' || name === '127.0.0.1' || name === '::1';
}
