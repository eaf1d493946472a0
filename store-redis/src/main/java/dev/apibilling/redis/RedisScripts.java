package dev.apibilling.redis;

/**
 * The Lua scripts of the store, one per operation. Every script is static text: client ids, keys and
 * numbers only ever reach it as KEYS and ARGV.
 *
 * <p>Lua numbers are doubles, exact for the integers up to 2^53 that the store counts. Numbers are never
 * handed to {@code redis.call} as Lua numbers (Redis would format them with 14 significant digits):
 * {@code int(n)} formats them as decimal integers first, and credits coming in as ARGV are passed on as
 * the strings they are.
 *
 * <p>Every key a script writes has the client's hash tag: keys built from {@code base} (ARGV[1]) while
 * giving back expired reservations, and an operation's daily totals and the client's set of operations,
 * share the slot of the declared KEYS.
 */
final class RedisScripts {

  private RedisScripts() {}

  /** Helpers shared by the scripts: integer formatting, TTL extension, give-back, reservation expiry. */
  private static final String COMMON = """
      local function int(n)
        return string.format('%d', n)
      end

      local function extend(key, ttl)
        if ttl > redis.call('PTTL', key) then
          redis.call('PEXPIRE', key, int(ttl))
        end
      end

      -- The most a counter or a day total holds (2^53 - 1): counts saturate there instead of growing past it.
      local MAX = 9007199254740991

      -- The count of a window counter, 0 if there is none. An existing counter is kept at least until the
      -- window's end plus half the grace: a plan change may have made its window end later than when it was
      -- made. (Its TTL runs on Redis' clock and the window on the caller's, so a TTL within half a grace of
      -- the wanted one is left alone rather than reset on every call.)
      local function count(key, windowEnd, grace, now)
        local value = redis.call('GET', key)
        if not value then
          return 0, false
        end
        local ttl = windowEnd + grace - now
        if ttl - grace / 2 > redis.call('PTTL', key) then
          redis.call('PEXPIRE', key, int(ttl))
        end
        return tonumber(value), true
      end

      -- Takes credits off a day of a daily-totals hash, if that day is there, never below 0.
      local function takeOffDay(days, day, credits)
        local total = tonumber(redis.call('HGET', days, day))
        if total then
          if total <= credits then
            redis.call('HDEL', days, day)
          else
            redis.call('HINCRBY', days, day, int(-credits))
          end
        end
      end

      -- Gives credits back to the window counters and the day totals that still exist, never below 0: the
      -- client's, and the operation's when the reservation names one (reservations recorded before
      -- operations had totals have none).
      local function giveBack(base, windows, day, credits, operation)
        if credits <= 0 then
          return
        end
        for suffix in string.gmatch(windows, '%S+') do
          local key = base .. suffix
          local used = tonumber(redis.call('GET', key))
          if used and used > 0 then
            redis.call('DECRBY', key, int(math.min(used, credits)))
          end
        end
        takeOffDay(base .. 'd', day, credits)
        if operation and operation ~= '' then
          takeOffDay(base .. 'd:' .. operation, day, credits)
        end
      end

      -- A reservation given back in full was never charged: forget the outcome recorded under its
      -- idempotency key (suffix o), if that outcome is still this reservation's, so a retry is charged.
      local function forgetOutcome(base, o, id)
        if o and o ~= '' then
          local key = base .. o
          if redis.call('HGET', key, 'r') == id then
            redis.call('DEL', key)
          end
        end
      end

      -- Gives back every reservation of the client that expired at or before now (at most 1000 a call).
      local function expireReservations(base, now)
        local index = base .. 'r'
        local ids = redis.call('ZRANGEBYSCORE', index, '-inf', now, 'LIMIT', 0, 1000)
        for _, id in ipairs(ids) do
          local key = base .. 'r:' .. id
          local held = redis.call('HMGET', key, 'c', 'd', 'w', 'o', 'p')
          if held[1] then
            giveBack(base, held[3], held[2], tonumber(held[1]), held[5])
            forgetOutcome(base, held[4], id)
            redis.call('DEL', key)
          end
          redis.call('ZREM', index, id)
        end
      end
      """;

  /**
   * Usage events (written with the credits, in the same script): one {@code RPUSH} of the client's key base
   * and the compact record to the outbox's list of new events ({@code <outbox>:new}; on Redis Cluster the
   * outbox of the client's slot). They reach the outbox stream, which exporters claim from and queries read,
   * and the client's daily index later, by {@link #OUTBOX}: so an event costs the decision one short command.
   */
  private static final String EVENTS = """
      local function recordEvent(new, base, payload)
        redis.call('RPUSH', new, base, payload)
      end
      """;

  /**
   * What the readers of an outbox do first, in their own script. {@code moveNewEvents} appends new events
   * (pairs of key base and record on {@code <outbox>:new}, as {@link #EVENTS} writes them) to the outbox
   * stream in the order they were recorded, each entry a record (field {@code e}) and its client's key base
   * (field {@code b}), at most {@code budget} of them; returns whether none is left. {@code indexEvents}
   * files stream entries under their client's daily index ({@code <base>e:<day>}, the day of the entry id's
   * time, a list of entry ids in stream order that expires the event retention after the day ends), in
   * stream order from the index cursor ({@code <outbox>:indexed}, the last entry id filed), at most
   * {@code budget} of them; returns whether none is left. Entries without a key base were filed when they
   * were recorded (by an earlier version) and are passed over. The claim script moves and files the entries
   * before those it claims, the query script before it reads: what they read is complete.
   */
  private static final String OUTBOX = """
      local function moveNewEvents(outbox, budget)
        local new = outbox .. ':new'
        local items = redis.call('LRANGE', new, 0, 2 * budget - 1)
        for i = 1, #items - 1, 2 do
          redis.call('XADD', outbox, '*', 'e', items[i + 1], 'b', items[i])
        end
        if #items > 0 then
          redis.call('LTRIM', new, #items, -1)
        end
        return #items < 2 * budget
      end

      local function indexEvents(outbox, retention, budget)
        local cursor = outbox .. ':indexed'
        local last = redis.call('GET', cursor) or '0-0'
        local entries = redis.call('XRANGE', outbox, '(' .. last, '+', 'COUNT', budget)
        for _, entry in ipairs(entries) do
          local fields = entry[2]
          if fields[3] == 'b' then
            local id = entry[1]
            local ms = tonumber(string.match(id, '^%d+'))
            local day = math.floor(ms / 86400000)
            local index = fields[4] .. 'e:' .. string.format('%d', day)
            if redis.call('RPUSH', index, id) == 1 then
              redis.call('PEXPIREAT', index, string.format('%d', (day + 1) * 86400000 + tonumber(retention)))
            end
          end
        end
        if #entries > 0 then
          redis.call('SET', cursor, entries[#entries][1])
        end
        return #entries < budget
      end
      """;

  /**
   * One decision. KEYS and ARGV as the table in the script says, mirrored by {@link ChargeArguments}.
   * Returns {granted, replayed, reservation id or '', held credits, held until, used...}: a replay reports
   * the windows' counts now and what its reservation still holds.
   */
  static final String CHARGE = COMMON + EVENTS + """
      -- KEYS (mirrored by ChargeArguments.K_*):
      --   1 reservation index, 2 daily totals, 3 .. n+2 the window counters, then the outcome key when
      --   ARGV[OUTCOME_EXPIRY] is not '', then the reservation in reserve mode or the outbox's new events when a
      --   charge records a usage event (always the last key).
      -- ARGV (mirrored by ChargeArguments):
      --   BASE                the client's key prefix, hash tag included
      --   NOW                 the caller's clock, epoch ms
      --   CREDITS             credits asked for
      --   MODE                '0' check, '1' charge, '2' reserve
      --   WINDOWS             n, the number of windows
      --   DAY                 the epoch day the credits count towards
      --   DAYS_TTL            TTL of the daily totals, ms
      --   OLDEST_DAY          the oldest epoch day kept
      --   GRACE               how long a window counter outlives its window, ms
      --   OUTCOME_EXPIRY      when the outcome under the idempotency key is forgotten, or ''
      --   RESERVATION_ID      the reservation's id in reserve mode, else ''
      --   RESERVATION_EXPIRY  when an unsettled reservation is given back
      --   OPERATION           the operation whose daily totals the credits also count towards, or ''
      --   FIRST_WINDOW        limit of window 1; its end follows, then limit and end of window 2, ...
      --   after the windows   the event's compact record ('' for none)
      -- An operation's keys are built from BASE (same hash tag): its daily totals <base>d:<operation> and
      -- the set of the client's operations that have daily totals, <base>o.
      local BASE, NOW, CREDITS, MODE, WINDOWS, DAY, DAYS_TTL, OLDEST_DAY, GRACE, OUTCOME_EXPIRY,
        RESERVATION_ID, RESERVATION_EXPIRY, OPERATION, FIRST_WINDOW = 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14
      local K_RESERVATIONS, K_DAYS, K_FIRST_WINDOW = 1, 2, 3

      -- Adds the credits (ARGV[CREDITS], exact) to a day of a daily-totals hash, setting a total that would
      -- pass MAX to MAX. The first credits of a day drop the days older than the retention and extend the
      -- hash's expiry; returns whether they were the first.
      local function addToDay(days, day, credits, oldest, ttl)
        local total = redis.call('HINCRBY', days, day, ARGV[CREDITS])
        if total > MAX then
          redis.call('HSET', days, day, int(MAX))
        end
        if total ~= credits then
          return false
        end
        for _, d in ipairs(redis.call('HKEYS', days)) do
          if tonumber(d) < oldest then
            redis.call('HDEL', days, d)
          end
        end
        extend(days, ttl)
        return true
      end

      local base = ARGV[BASE]
      local now = tonumber(ARGV[NOW])
      local credits = tonumber(ARGV[CREDITS])
      local mode = ARGV[MODE]
      local n = tonumber(ARGV[WINDOWS])
      local day = ARGV[DAY]
      local grace = tonumber(ARGV[GRACE])
      local function limitOf(i)
        return tonumber(ARGV[FIRST_WINDOW + 2 * (i - 1)])
      end
      local function endOf(i)
        return tonumber(ARGV[FIRST_WINDOW + 2 * (i - 1) + 1])
      end
      local function window(i)
        return KEYS[K_FIRST_WINDOW + i - 1]
      end
      expireReservations(base, ARGV[NOW])

      local outcome = false
      if ARGV[OUTCOME_EXPIRY] ~= '' then
        outcome = KEYS[K_FIRST_WINDOW + n]
        local recorded = redis.call('HMGET', outcome, 'e', 'r')
        if recorded[1] then
          if tonumber(recorded[1]) > now then
            local held, releasedAt = 0, now
            if recorded[2] ~= '' then
              local c = redis.call('HGET', base .. 'r:' .. recorded[2], 'c')
              if c then
                held = c
                releasedAt = tonumber(redis.call('ZSCORE', KEYS[K_RESERVATIONS], recorded[2])) or now
              end
            end
            local reply = {1, 1, recorded[2], held, int(releasedAt)}
            for i = 1, n do
              reply[5 + i] = count(window(i), endOf(i), grace, now)
            end
            return reply
          end
          redis.call('DEL', outcome)
        end
      end

      local used = {}
      local existed = {}
      local granted = 1
      for i = 1, n do
        used[i], existed[i] = count(window(i), endOf(i), grace, now)
        local limit = limitOf(i)
        if limit >= 0 and credits > limit - used[i] then
          granted = 0
        end
      end

      local reservation = ''
      if granted == 1 and mode ~= '0' then
        local lastEnd = now
        for i = 1, n do
          local key = window(i)
          local windowEnd = endOf(i)
          used[i] = redis.call('INCRBY', key, int(math.min(credits, MAX - used[i])))
          if not existed[i] then
            redis.call('PEXPIRE', key, int(math.max(windowEnd + grace - now, 1)))
          end
          if windowEnd > lastEnd then
            lastEnd = windowEnd
          end
        end

        local oldest = tonumber(ARGV[OLDEST_DAY])
        local daysTtl = tonumber(ARGV[DAYS_TTL])
        addToDay(KEYS[K_DAYS], day, credits, oldest, daysTtl)
        local operation = ARGV[OPERATION]
        if operation ~= '' and addToDay(base .. 'd:' .. operation, day, credits, oldest, daysTtl) then
          local operations = base .. 'o'
          redis.call('SADD', operations, operation)
          extend(operations, daysTtl)
        end

        if mode == '2' then
          reservation = ARGV[RESERVATION_ID]
          local key = KEYS[#KEYS]
          local suffixes = {}
          for i = 1, n do
            suffixes[i] = string.sub(window(i), #base + 1)
          end
          local expiresAt = tonumber(ARGV[RESERVATION_EXPIRY])
          local keep = math.max(math.max(expiresAt, lastEnd) + grace - now, 1)
          local o = ''
          if outcome then
            o = string.sub(outcome, #base + 1)
          end
          if operation == '' then
            redis.call('HSET', key, 'c', ARGV[CREDITS], 'd', day, 'w', table.concat(suffixes, ' '), 'o', o)
          else
            redis.call('HSET', key, 'c', ARGV[CREDITS], 'd', day, 'w', table.concat(suffixes, ' '), 'o', o,
              'p', operation)
          end
          redis.call('PEXPIRE', key, int(keep))
          redis.call('ZADD', KEYS[K_RESERVATIONS], ARGV[RESERVATION_EXPIRY], reservation)
          extend(KEYS[K_RESERVATIONS], keep)
        end

        if outcome then
          local ttl = tonumber(ARGV[OUTCOME_EXPIRY]) - now
          if ttl > 0 then
            local counts = {}
            for i = 1, n do
              counts[i] = int(used[i])
            end
            redis.call('HSET', outcome, 'e', ARGV[OUTCOME_EXPIRY], 'r', reservation, 'u', table.concat(counts, ','))
            redis.call('PEXPIRE', outcome, int(ttl))
          end
        end

        local event = FIRST_WINDOW + 2 * n
        if mode == '1' and ARGV[event] ~= nil and ARGV[event] ~= '' then
          recordEvent(KEYS[#KEYS], base, ARGV[event])
        end
      end

      local reply = {granted, 0, reservation, 0, 0}
      for i = 1, n do
        reply[5 + i] = used[i]
      end
      return reply
      """;

  /**
   * One plain charge: {@link dev.apibilling.spi.ChargeMode#CHARGE} without an idempotency key or an
   * operation, with or without a usage event: the common decision, with the semantics of {@link #CHARGE}
   * for it and less work: fewer arguments (the
   * TTLs come computed), one {@code EXISTS} instead of the reservation scan while the client holds no
   * reservation, each window counted by its {@code INCRBY} (taken back when the charge is denied) instead
   * of a {@code GET} first, and no functions or tables for the features it does not use. KEYS and ARGV as
   * the table in the script says, mirrored by {@link PlainChargeArguments}. Returns {granted, used...}:
   * the counts after the charge when granted, before it when denied.
   */
  static final String PLAIN_CHARGE = """
      -- KEYS (mirrored by PlainChargeArguments.K_*):
      --   1 reservation index, 2 daily totals, 3 .. n+2 the window counters, then the outbox's new events when
      --   the charge records a usage event (the last key)
      -- ARGV (mirrored by PlainChargeArguments):
      --   NOW           the caller's clock, epoch ms
      --   CREDITS       credits asked for
      --   DAY           the epoch day the credits count towards
      --   DAYS_TTL      TTL of the daily totals, ms
      --   OLDEST_DAY    the oldest epoch day kept
      --   FIRST_WINDOW  window 1: its limit (-1 unlimited), the TTL its counter gets (window end + grace
      --                 - now, at least 1), the PTTL below which an existing counter is extended to that
      --                 TTL (the TTL less half the grace); then the same three of window 2, ...
      --   EVENT         after the windows, with a usage event: its compact record
      local NOW, CREDITS, DAY, DAYS_TTL, OLDEST_DAY, FIRST_WINDOW = 1, 2, 3, 4, 5, 6
      local K_RESERVATIONS, K_DAYS, K_FIRST_WINDOW = 1, 2, 3
      local MAX = 9007199254740991

      -- the reservation index exists while the client holds reservations: give back the expired ones
      if redis.call('EXISTS', KEYS[K_RESERVATIONS]) == 1 then
      """ + COMMON + """
        expireReservations(string.sub(KEYS[K_RESERVATIONS], 1, -2), ARGV[NOW])
      end

      -- count the credits in every window: reply[1 + i] is window i's count after, added[i] (when not
      -- all the credits) what was added to it
      local credits = tonumber(ARGV[CREDITS])
      local n = #KEYS - 2
      local event = nil
      if #ARGV < FIRST_WINDOW - 1 + 3 * n then
        -- one key and one ARGV more than windows alone: the outbox's new events and the event
        n = n - 1
        event = FIRST_WINDOW + 3 * n
      end
      local reply = {1}
      local added = nil
      for i = 1, n do
        local key = KEYS[K_FIRST_WINDOW + i - 1]
        local a = FIRST_WINDOW + 3 * (i - 1) -- ARGV[a] the limit, ARGV[a + 1] the TTL, ARGV[a + 2] extend below
        local limit = ARGV[a]
        local used = redis.call('INCRBY', key, ARGV[CREDITS])
        if used > MAX then
          -- past MAX Lua's numbers are not exact: take the credits back (Redis counts exactly); a limited
          -- window (limit <= MAX) denies, an unlimited one saturates at MAX
          used = redis.call('DECRBY', key, ARGV[CREDITS])
          added = added or {}
          added[i] = 0
          if limit == '-1' then
            added[i] = MAX - used
            used = redis.call('INCRBY', key, string.format('%d', added[i]))
          else
            reply[1] = 0
          end
        elseif limit ~= '-1' and used > tonumber(limit) then
          reply[1] = 0
        end
        reply[1 + i] = used
        -- a new counter lives until its window's end plus the grace; an existing one is extended to that
        -- when a plan change made its window end later (see count in the decision script)
        local pttl = redis.call('PTTL', key)
        if pttl == -1 or tonumber(ARGV[a + 2]) > pttl then
          redis.call('PEXPIRE', key, ARGV[a + 1])
        end
      end

      -- a denial takes back what it added (a counter it created goes) and reports the counts before
      if reply[1] == 0 then
        for i = 1, n do
          local key = KEYS[K_FIRST_WINDOW + i - 1]
          local add = added and added[i] or credits
          local before = reply[1 + i] - add
          if before == 0 then
            redis.call('DEL', key)
          elseif add == credits then
            redis.call('DECRBY', key, ARGV[CREDITS])
          elseif add > 0 then
            redis.call('DECRBY', key, string.format('%d', add))
          end
          reply[1 + i] = before
        end
        return reply
      end

      -- the day's total, as the decision script counts it
      local days = KEYS[K_DAYS]
      local total = redis.call('HINCRBY', days, ARGV[DAY], ARGV[CREDITS])
      if total > MAX then
        redis.call('HSET', days, ARGV[DAY], string.format('%d', MAX))
      end
      if total == credits then
        local oldest = tonumber(ARGV[OLDEST_DAY])
        for _, d in ipairs(redis.call('HKEYS', days)) do
          if tonumber(d) < oldest then
            redis.call('HDEL', days, d)
          end
        end
        if tonumber(ARGV[DAYS_TTL]) > redis.call('PTTL', days) then
          redis.call('PEXPIRE', days, ARGV[DAYS_TTL])
        end
      end

      -- the usage event, as the decision script's recordEvent writes it
      if event then
        redis.call('RPUSH', KEYS[#KEYS], string.sub(KEYS[K_RESERVATIONS], 1, -2), ARGV[event])
      end
      return reply
      """;

  /**
   * Settles a reservation. KEYS: 1 reservation index, 2 the reservation, then (with a usage event) the
   * outbox's new events. ARGV: 1 base, 2 now, 3 reservation id, 4 actual credits, then (with a usage event) the
   * event's compact record, as {@link #EVENTS} writes it. Returns {1, reserved}
   * when settled, {0, 0} when there is no such reservation, {-1, reserved} when the actual credits exceed
   * the reserved ones (nothing changes).
   */
  static final String SETTLE = COMMON + EVENTS + """
      expireReservations(ARGV[1], ARGV[2])
      local held = redis.call('HMGET', KEYS[2], 'c', 'd', 'w', 'o', 'p')
      if not held[1] then
        return {0, 0}
      end
      local reserved = tonumber(held[1])
      local actual = tonumber(ARGV[4])
      if actual > reserved then
        return {-1, reserved}
      end
      giveBack(ARGV[1], held[3], held[2], reserved - actual, held[5])
      if actual == 0 then
        forgetOutcome(ARGV[1], held[4], ARGV[3])
      end
      redis.call('DEL', KEYS[2])
      redis.call('ZREM', KEYS[1], ARGV[3])
      if actual > 0 and #KEYS == 3 then
        recordEvent(KEYS[3], ARGV[1], ARGV[5])
      end
      return {1, reserved}
      """;

  /**
   * Reads window counters after giving back expired reservations, keeping each until its window's end.
   * KEYS: 1 reservation index, then the window counters. ARGV: 1 base, 2 now, 3 window grace, then the
   * end of each window. Returns the counts in order.
   */
  static final String USAGE = COMMON + """
      expireReservations(ARGV[1], ARGV[2])
      local now = tonumber(ARGV[2])
      local grace = tonumber(ARGV[3])
      local used = {}
      for i = 2, #KEYS do
        used[i - 1] = count(KEYS[i], tonumber(ARGV[2 + i]), grace, now)
      end
      return used
      """;

  /**
   * Deletes daily totals: the client's and those of each of its operations (the set {@code <base>o} names
   * them; an operation left without totals leaves the set). KEYS: 1 the client's daily totals, 2 the set of
   * its operations. ARGV: 1 first day, 2 last day (inclusive), 3 base. Returns the number of the client's
   * days deleted.
   */
  static final String DELETE_HISTORY = """
      local from = tonumber(ARGV[1])
      local to = tonumber(ARGV[2])
      local function delete(days)
        local deleted = 0
        for _, d in ipairs(redis.call('HKEYS', days)) do
          local day = tonumber(d)
          if day >= from and day <= to then
            redis.call('HDEL', days, d)
            deleted = deleted + 1
          end
        end
        return deleted
      end
      for _, operation in ipairs(redis.call('SMEMBERS', KEYS[2])) do
        local days = ARGV[3] .. 'd:' .. operation
        delete(days)
        if redis.call('EXISTS', days) == 0 then
          redis.call('SREM', KEYS[2], operation)
        end
      end
      return delete(KEYS[1])
      """;

  /**
   * Claims outbox events: first those whose claim lapsed at now, then new ones after the claim cursor, in
   * stream order, after moving up to twice as many new events into the stream and filing as many in their
   * clients' indexes. KEYS: 1 outbox, 2 claims (sorted set of entry id by claim expiry), 3 claim cursor
   * (the last entry id ever claimed), 4 how many claimed entries the outbox still holds. ARGV: 1 now, 2
   * claim expiry, 3 most to claim, 4 the event retention, ms. Returns the entries as XRANGE does.
   */
  static final String CLAIM_EVENTS = OUTBOX + """
      local max = tonumber(ARGV[3])
      moveNewEvents(KEYS[1], 2 * max)
      indexEvents(KEYS[1], ARGV[4], 2 * max)
      local out = {}
      for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, max)) do
        local entry = redis.call('XRANGE', KEYS[1], id, id)
        if #entry == 0 then
          redis.call('ZREM', KEYS[2], id)
        else
          redis.call('ZADD', KEYS[2], ARGV[2], id)
          out[#out + 1] = entry[1]
        end
      end
      if #out < max then
        local last = redis.call('GET', KEYS[3]) or '0-0'
        local fresh = redis.call('XRANGE', KEYS[1], '(' .. last, '+', 'COUNT', max - #out)
        for _, entry in ipairs(fresh) do
          redis.call('ZADD', KEYS[2], ARGV[2], entry[1])
          out[#out + 1] = entry
          last = entry[1]
        end
        if #fresh > 0 then
          redis.call('SET', KEYS[3], last)
          redis.call('INCRBY', KEYS[4], #fresh)
        end
      end
      return out
      """;

  /**
   * Marks outbox events delivered: drops their claims (they stay in the outbox, after the cursor, for
   * queries, until a purge trims them). KEYS: 1 claims. ARGV: the entry ids. Returns how many claims were
   * dropped.
   */
  static final String DELIVERED_EVENTS = """
      local dropped = 0
      for i = 1, #ARGV, 500 do
        dropped = dropped + redis.call('ZREM', KEYS[1], unpack(ARGV, i, math.min(i + 499, #ARGV)))
      end
      return dropped
      """;

  /**
   * How many outbox events are not delivered: those not yet in the stream, those never claimed, and those
   * claimed and not marked delivered. KEYS: 1 outbox, 2 claims, 3 claimed entries held. Returns the count.
   */
  static final String UNDELIVERED_EVENTS = """
      local claimed = tonumber(redis.call('GET', KEYS[3]) or '0')
      return redis.call('XLEN', KEYS[1]) - claimed + redis.call('ZCARD', KEYS[2])
        + redis.call('LLEN', KEYS[1] .. ':new') / 2
      """;

  /**
   * Trims delivered events: entries recorded before the bound, before the event retention (by Redis'
   * clock), before the claim cursor's successor and before every claim. KEYS: as {@link #CLAIM_EVENTS}.
   * ARGV: 1 the bound (epoch ms), 2 the event retention in ms. Returns how many entries were trimmed.
   */
  static final String PURGE_EVENTS = """
      local function before(a, b)
        local am, as = string.match(a, '^(%d+)-(%d+)$')
        local bm, bs = string.match(b, '^(%d+)-(%d+)$')
        am, as, bm, bs = tonumber(am), tonumber(as), tonumber(bm), tonumber(bs)
        return am < bm or (am == bm and as < bs)
      end
      local cursor = redis.call('GET', KEYS[3])
      if not cursor then
        return 0
      end
      local cm, cs = string.match(cursor, '^(%d+)-(%d+)$')
      local bound = string.format('%d-%d', tonumber(cm), tonumber(cs) + 1)
      local time = redis.call('TIME')
      local kept = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000) - tonumber(ARGV[2])
      local limit = string.format('%d-0', math.max(0, math.min(tonumber(ARGV[1]), kept)))
      if before(limit, bound) then
        bound = limit
      end
      for _, id in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
        if before(id, bound) then
          bound = id
        end
      end
      local trimmed = redis.call('XTRIM', KEYS[1], 'MINID', bound)
      if trimmed > 0 then
        redis.call('DECRBY', KEYS[4], trimmed)
      end
      return trimmed
      """;

  /**
   * A page of a client's events: walks the client's daily indexes ({@code <base>e:<day>}) from the day of
   * {@code after} (or the oldest day kept) to today (Redis' clock) and returns the outbox entries they
   * refer to that are still there. KEYS: 1 outbox. ARGV: 1 base, 2 event retention in ms, 3 the entry id
   * to start after or '', 4 most entries to look at. Returns {done, last id looked at, id, record, id,
   * record, ...}; done is 1 when no index holds more, 2 (with no entries) when the outbox still had entries
   * to file in their indexes (up to 1,000 were): ask again.
   */
  static final String CLIENT_EVENTS = OUTBOX + """
      if not moveNewEvents(KEYS[1], 1000) or not indexEvents(KEYS[1], ARGV[2], 1000) then
        return {2, ARGV[3]}
      end
      local function parse(id)
        local m, s = string.match(id, '^(%d+)-(%d+)$')
        return tonumber(m), tonumber(s)
      end
      local function after(a, b)
        local am, as = parse(a)
        local bm, bs = parse(b)
        return am > bm or (am == bm and as > bs)
      end
      local time = redis.call('TIME')
      local today = math.floor((tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)) / 86400000)
      local first = today - math.ceil(tonumber(ARGV[2]) / 86400000) - 1
      local last = ''
      if ARGV[3] ~= '' then
        last = ARGV[3]
        first = math.max(first, math.floor(parse(last) / 86400000))
      end
      local max = tonumber(ARGV[4])
      local out = {0, ''}
      local looked = 0
      for day = first, today + 1 do
        local index = ARGV[1] .. 'e:' .. string.format('%d', day)
        local size = redis.call('LLEN', index)
        local from = 0
        if last ~= '' and size > 0 then
          -- the first reference after the last one looked at (references are in stream order)
          local lo, hi = 0, size
          while lo < hi do
            local mid = math.floor((lo + hi) / 2)
            if after(redis.call('LINDEX', index, mid), last) then
              hi = mid
            else
              lo = mid + 1
            end
          end
          from = lo
        end
        while from < size do
          local ids = redis.call('LRANGE', index, from, from + math.min(max - looked, 100) - 1)
          for _, id in ipairs(ids) do
            local entry = redis.call('XRANGE', KEYS[1], id, id)
            if #entry > 0 then
              out[#out + 1] = id
              out[#out + 1] = entry[1][2][2]
            end
            last = id
            looked = looked + 1
          end
          from = from + #ids
          if looked >= max then
            out[2] = last
            return out
          end
        end
      end
      out[1] = 1
      out[2] = last
      return out
      """;

  /**
   * Which outboxes of the slots a Redis Cluster master serves exist, with their undelivered events (as
   * {@link #UNDELIVERED_EVENTS} counts them). Run on one master without KEYS; it reads keys of many of its
   * slots, which the flag allows. ARGV: 1 key prefix, then one slot tag per slot. Returns {i, undelivered,
   * ...}, i the position of the slot's tag among the tags (1 for the first).
   */
  static final String PROBE_OUTBOXES = """
      #!lua flags=allow-cross-slot-keys,no-writes
      local out = {}
      for i = 2, #ARGV do
        local stream = ARGV[1] .. '{' .. ARGV[i] .. '}:events'
        if redis.call('EXISTS', stream, stream .. ':new') > 0 then
          local claimed = tonumber(redis.call('GET', stream .. ':claimed') or '0')
          out[#out + 1] = i - 1
          out[#out + 1] = redis.call('XLEN', stream) - claimed + redis.call('ZCARD', stream .. ':claims')
            + redis.call('LLEN', stream .. ':new') / 2
        end
      end
      return out
      """;
}
