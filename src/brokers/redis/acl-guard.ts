// The permission check at the top of cg's Lua scripts that write. Redis does not undo a script that fails
// halfway: a user allowed XADD but not XACK would leave a moved entry both in the DLQ and pending. So a
// script asks first (redis.acl_check_cmd, Redis 7.0+; older servers have no ACL check in Lua and skip it)
// whether the user may run each write it can make, on its keys, and writes nothing when one is refused:
// it ends with a NOPERM error reply naming the command and key, which redisError() turns into exit 4.

/** One write a script may make: the name for the message ("xadd", "xgroup|destroy"), the key (a Lua
 * expression), and the command with arguments of the right arity (Lua expressions). */
export type AclCheck = [name: string, key: string, ...command: string[]]

/**
 * Lua that returns a NOPERM error reply before anything is written when the user may not run one of
 * `checks`. `more`: Lua that appends further checks to the table `cg_checks` (a write on each of several keys).
 */
export function aclGuard(checks: AclCheck[], more = ''): string {
  const list = checks.map(([name, key, ...command]) => `{'${name}', ${key}, ${command.join(', ')}}`).join(', ')
  return `
if redis.acl_check_cmd then
  local cg_checks = {${list}}
  ${more}
  for _, c in ipairs(cg_checks) do
    if not redis.acl_check_cmd(unpack(c, 3)) then
      return redis.error_reply("NOPERM this user has no permissions to run the '" .. c[1] .. "' command on key '" .. c[2] .. "'")
    end
  end
end
`
}
