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
 * giving back expired reservations share the slot of the declared KEYS.
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

      -- Gives credits back to the window counters and the day total that still exist, never below 0.
      local function giveBack(base, windows, day, credits)
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
        local days = base .. 'd'
        local total = tonumber(redis.call('HGET', days, day))
        if total then
          if total <= credits then
            redis.call('HDEL', days, day)
          else
            redis.call('HINCRBY', days, day, int(-credits))
          end
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
          local held = redis.call('HMGET', key, 'c', 'd', 'w', 'o')
          if held[1] then
            giveBack(base, held[3], held[2], tonumber(held[1]))
            forgetOutcome(base, held[4], id)
            redis.call('DEL', key)
          end
          redis.call('ZREM', index, id)
        end
      end
      """;

  /**
   * Usage events (written with the credits, in the same script): the event goes to the store's outbox
   * stream, which exporters claim from and which loses an entry once it is delivered, and to the client's
   * own stream, which queries read and which keeps entries for the event retention (trimmed by stream id,
   * approximately, and expiring as a whole when the client stays idle that long). ARGV from {@code at}:
   * payload ('' for none), event id, event time, client id, oldest stream id kept, retention in ms.
   */
  private static final String EVENTS = """
      local function recordEvent(outbox, own, at)
        local payload = ARGV[at]
        if payload == nil or payload == '' then
          return
        end
        local id = redis.call('XADD', outbox, '*', 'i', ARGV[at + 1], 't', ARGV[at + 2], 'c', ARGV[at + 3],
          'p', payload)
        redis.call('XADD', own, 'MINID', '~', ARGV[at + 4], '*', 'i', ARGV[at + 1], 't', ARGV[at + 2],
          'c', ARGV[at + 3], 'p', payload, 'o', id)
        redis.call('PEXPIRE', own, ARGV[at + 5])
      end
      """;

  /**
   * One decision. KEYS: 1 reservation index, 2 daily totals, 3..n+2 window counters, then the outcome key
   * when ARGV[10] is not empty, then the reservation key in reserve mode, then (a charge with a usage event)
   * the event outbox and the client's event stream. ARGV: 1 base, 2 now, 3 credits,
   * 4 mode (0 check, 1 charge, 2 reserve), 5 n, 6 epoch day, 7 TTL of the daily totals, 8 oldest day
   * kept, 9 window grace, 10 outcome expiry or '', 11 reservation id, 12 reservation expiry, then limit
   * and end of each window, then the six event arguments of {@link #EVENTS} (payload '' for none).
   * Returns {granted, replayed, reservation id or '', held credits, held until, used...}: a replay reports
   * the windows' counts now and what its reservation still holds.
   */
  static final String CHARGE = COMMON + EVENTS + """
      local base = ARGV[1]
      local now = tonumber(ARGV[2])
      local credits = tonumber(ARGV[3])
      local mode = ARGV[4]
      local n = tonumber(ARGV[5])
      local day = ARGV[6]
      local grace = tonumber(ARGV[9])
      expireReservations(base, ARGV[2])

      local outcome = false
      if ARGV[10] ~= '' then
        outcome = KEYS[3 + n]
        local recorded = redis.call('HMGET', outcome, 'e', 'r')
        if recorded[1] then
          if tonumber(recorded[1]) > now then
            local held, releasedAt = 0, now
            if recorded[2] ~= '' then
              local c = redis.call('HGET', base .. 'r:' .. recorded[2], 'c')
              if c then
                held = c
                releasedAt = tonumber(redis.call('ZSCORE', KEYS[1], recorded[2])) or now
              end
            end
            local reply = {1, 1, recorded[2], held, int(releasedAt)}
            for i = 1, n do
              reply[5 + i] = count(KEYS[2 + i], tonumber(ARGV[12 + 2 * i]), grace, now)
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
        used[i], existed[i] = count(KEYS[2 + i], tonumber(ARGV[12 + 2 * i]), grace, now)
        local limit = tonumber(ARGV[11 + 2 * i])
        if limit >= 0 and credits > limit - used[i] then
          granted = 0
        end
      end

      local reservation = ''
      if granted == 1 and mode ~= '0' then
        local lastEnd = now
        for i = 1, n do
          local key = KEYS[2 + i]
          local windowEnd = tonumber(ARGV[12 + 2 * i])
          used[i] = redis.call('INCRBY', key, int(math.min(credits, MAX - used[i])))
          if not existed[i] then
            redis.call('PEXPIRE', key, int(math.max(windowEnd + grace - now, 1)))
          end
          if windowEnd > lastEnd then
            lastEnd = windowEnd
          end
        end

        -- the first charge of a day drops days past the retention and extends the hash's expiry
        local days = KEYS[2]
        local total = tonumber(redis.call('HGET', days, day))
        redis.call('HINCRBY', days, day, int(math.min(credits, MAX - (total or 0))))
        if not total then
          local oldest = tonumber(ARGV[8])
          for _, d in ipairs(redis.call('HKEYS', days)) do
            if tonumber(d) < oldest then
              redis.call('HDEL', days, d)
            end
          end
          extend(days, tonumber(ARGV[7]))
        end

        if mode == '2' then
          reservation = ARGV[11]
          local key = KEYS[#KEYS]
          local suffixes = {}
          for i = 1, n do
            suffixes[i] = string.sub(KEYS[2 + i], #base + 1)
          end
          local expiresAt = tonumber(ARGV[12])
          local keep = math.max(math.max(expiresAt, lastEnd) + grace - now, 1)
          local o = ''
          if outcome then
            o = string.sub(outcome, #base + 1)
          end
          redis.call('HSET', key, 'c', ARGV[3], 'd', day, 'w', table.concat(suffixes, ' '), 'o', o)
          redis.call('PEXPIRE', key, int(keep))
          redis.call('ZADD', KEYS[1], ARGV[12], reservation)
          extend(KEYS[1], keep)
        end

        if outcome then
          local ttl = tonumber(ARGV[10]) - now
          if ttl > 0 then
            local counts = {}
            for i = 1, n do
              counts[i] = int(used[i])
            end
            redis.call('HSET', outcome, 'e', ARGV[10], 'r', reservation, 'u', table.concat(counts, ','))
            redis.call('PEXPIRE', outcome, int(ttl))
          end
        end

        if mode == '1' then
          recordEvent(KEYS[#KEYS - 1], KEYS[#KEYS], 13 + 2 * n)
        end
      end

      local reply = {granted, 0, reservation, 0, 0}
      for i = 1, n do
        reply[5 + i] = used[i]
      end
      return reply
      """;

  /**
   * Settles a reservation. KEYS: 1 reservation index, 2 the reservation, then (with a usage event) the
   * event outbox and the client's event stream. ARGV: 1 base, 2 now, 3 reservation id, 4 actual credits,
   * then the six event arguments of {@link #EVENTS} (or none). Returns {1, reserved} when settled, {0, 0} when there is no such
   * reservation, {-1, reserved} when the actual credits exceed the reserved ones (nothing changes).
   */
  static final String SETTLE = COMMON + EVENTS + """
      expireReservations(ARGV[1], ARGV[2])
      local held = redis.call('HMGET', KEYS[2], 'c', 'd', 'w', 'o')
      if not held[1] then
        return {0, 0}
      end
      local reserved = tonumber(held[1])
      local actual = tonumber(ARGV[4])
      if actual > reserved then
        return {-1, reserved}
      end
      giveBack(ARGV[1], held[3], held[2], reserved - actual)
      if actual == 0 then
        forgetOutcome(ARGV[1], held[4], ARGV[3])
      end
      redis.call('DEL', KEYS[2])
      redis.call('ZREM', KEYS[1], ARGV[3])
      if actual > 0 and #KEYS == 4 then
        recordEvent(KEYS[3], KEYS[4], 5)
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
   * Deletes daily totals. KEYS: 1 daily totals. ARGV: 1 first day, 2 last day (inclusive). Returns the
   * number of days deleted.
   */
  static final String DELETE_HISTORY = """
      local from = tonumber(ARGV[1])
      local to = tonumber(ARGV[2])
      local deleted = 0
      for _, d in ipairs(redis.call('HKEYS', KEYS[1])) do
        local day = tonumber(d)
        if day >= from and day <= to then
          redis.call('HDEL', KEYS[1], d)
          deleted = deleted + 1
        end
      end
      return deleted
      """;

  /**
   * Claims outbox events: first those whose claim lapsed at now, then new ones after the claim cursor, in
   * stream order. KEYS: 1 outbox, 2 claims (sorted set of entry id by claim expiry), 3 claim cursor (the
   * last entry id ever claimed). ARGV: 1 now, 2 claim expiry, 3 most to claim. Returns the entries as
   * XRANGE does.
   */
  static final String CLAIM_EVENTS = """
      local max = tonumber(ARGV[3])
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
        end
      end
      return out
      """;

  /**
   * Marks outbox events delivered by deleting them and their claims. KEYS: 1 outbox, 2 claims. ARGV: the
   * entry ids. Returns how many entries were deleted.
   */
  static final String DELIVERED_EVENTS = """
      local deleted = 0
      for i = 1, #ARGV, 500 do
        local ids = {}
        for j = i, math.min(i + 499, #ARGV) do
          ids[#ids + 1] = ARGV[j]
        end
        deleted = deleted + redis.call('XDEL', KEYS[1], unpack(ids))
        redis.call('ZREM', KEYS[2], unpack(ids))
      end
      return deleted
      """;
}
