#!/usr/bin/env ruby
# frozen_string_literal: false
#
# bench/gen_dump.rb -- write a realistic Ruby heap dump of about SIZE bytes
# (ObjectSpace.dump_all, NDJSON) for heapdump benchmarks.
#
#   ruby bench/gen_dump.rb SIZE OUT [--seed N] [--pair OUT2] [--quiet]
#
#   SIZE   100MB, 1GB, 4GB ... (KB/MB/GB = powers of 1000;
#          K/M/G and KiB/MiB/GiB = powers of 1024; plain number = bytes)
#   OUT    output file
#   --seed N      RNG seed (default 1); same seed + size => same heap shape
#   --pair OUT2   after writing OUT, drop ~1/3 of the retained data, GC,
#                 allocate about as much new data (reusing freed slots) and
#                 write a second dump OUT2 (for `heapdump diff OUT OUT2`)
#
# How it works
#   1. A fake "application" is compiled with module_eval under fake file
#      names (/app/app/..., /app/vendor/bundle/ruby/3.1.0/gems/NAME-VER/lib/...,
#      /usr/lib/ruby/3.1.0/...), ~70 files with a few builder methods each,
#      which gives well over a thousand distinct file:line allocation sites.
#   2. Some data is built before allocation tracing starts (the "nil"
#      generation), then ObjectSpace.trace_object_allocations_start.
#   3. A calibration phase builds a small batch of "entities" and measures
#      its dump size (dump_all(since:) into a String) to get bytes/entity,
#      and a full in-memory dump gives the size of everything so far.
#   4. The remaining entities are spread over ~40 phases with a minor
#      GC.start between them, so objects carry many different generations.
#   5. ObjectSpace.dump_all(output: File) writes OUT.
#
# Everything is retained through small chunk arrays (8..128 refs each), a
# per-phase index hash, and one big registry array (up to 1M refs, a ~18 MB
# line) so there are a few very long lines as in real dumps.
require "objspace"
require "stringio"
require "set"

T_START = Process.clock_gettime(Process::CLOCK_MONOTONIC)

def usage(msg = nil)
  warn "gen_dump.rb: #{msg}" if msg
  warn "usage: ruby bench/gen_dump.rb SIZE OUT [--seed N] [--pair OUT2] [--quiet]"
  exit 2
end

def parse_size(s)
  m = /\A(\d+(?:\.\d+)?)\s*(|k|m|g|t|kb|mb|gb|tb|kib|mib|gib|tib|b)\z/i.match(s.to_s.strip) or usage("bad SIZE #{s.inspect}")
  u = m[2].downcase
  mult = case u
         when "", "b" then 1
         when "kb" then 1000
         when "mb" then 1000**2
         when "gb" then 1000**3
         when "tb" then 1000**4
         when "k", "kib" then 1024
         when "m", "mib" then 1024**2
         when "g", "gib" then 1024**3
         when "t", "tib" then 1024**4
         end
  (m[1].to_f * mult).to_i
end

args = ARGV.dup
opts = { seed: 1, pair: nil, quiet: false }
pos = []
while (a = args.shift)
  case a
  when "--seed" then opts[:seed] = Integer(args.shift || usage("--seed needs a value"))
  when /\A--seed=(.+)\z/ then opts[:seed] = Integer($1)
  when "--pair" then opts[:pair] = args.shift || usage("--pair needs a file")
  when /\A--pair=(.+)\z/ then opts[:pair] = $1
  when "--quiet", "-q" then opts[:quiet] = true
  when "-h", "--help" then usage
  when /\A-/ then usage("unknown option #{a}")
  else pos << a
  end
end
usage("need SIZE and OUT") unless pos.size == 2
TARGET = parse_size(pos[0])
OUT = pos[1]
usage("SIZE too small (min 5MB)") if TARGET < 5_000_000
QUIET = opts[:quiet]

# fail now, not after building a multi-GB heap, if an output is not writable
[OUT, opts[:pair]].compact.each do |path|
  File.open(path, "wb") {}
rescue SystemCallError => e
  usage("cannot write #{path}: #{e.message}")
end

def now = Process.clock_gettime(Process::CLOCK_MONOTONIC) - T_START

def log(msg)
  $stderr.puts(format("[%7.1fs] %s", now, msg)) unless QUIET
end

def rss_mb(key = "VmRSS")
  File.foreach("/proc/self/status") { |l| return l.split[1].to_i / 1024 if l.start_with?(key) }
  0
rescue StandardError
  0
end

RNG = Random.new(opts[:seed])

# ---------------------------------------------------------------------------
# 1. The fake application.
# ---------------------------------------------------------------------------

GEM_FILES = {
  "activesupport-7.0.4" => %w[active_support/cache.rb active_support/core_ext/hash/keys.rb
                              active_support/notifications/instrumenter.rb active_support/json/encoding.rb
                              active_support/hash_with_indifferent_access.rb],
  "activerecord-7.0.4" => %w[active_record/base.rb active_record/relation.rb active_record/result.rb
                             active_record/connection_adapters/postgresql_adapter.rb
                             active_record/attribute_methods/read.rb active_record/associations/collection_proxy.rb],
  "activemodel-7.0.4" => %w[active_model/attribute_set.rb active_model/type/string.rb active_model/attribute.rb],
  "actionpack-7.0.4" => %w[action_dispatch/http/request.rb action_dispatch/routing/route_set.rb
                           action_controller/metal/rendering.rb action_dispatch/http/headers.rb],
  "actionview-7.0.4" => %w[action_view/template.rb action_view/helpers/tag_helper.rb
                           action_view/renderer/partial_renderer.rb action_view/output_buffer.rb],
  "rack-2.2.4" => %w[rack/request.rb rack/utils.rb rack/response.rb rack/query_parser.rb],
  "puma-5.6.5" => %w[puma/server.rb puma/client.rb puma/request.rb],
  "nokogiri-1.13.9-x86_64-linux" => %w[nokogiri/xml/document.rb nokogiri/xml/node.rb nokogiri/html5.rb],
  "sidekiq-6.5.7" => %w[sidekiq/processor.rb sidekiq/client.rb sidekiq/job_retry.rb],
  "redis-4.8.0" => %w[redis/client.rb redis/connection/ruby.rb],
  "pg-1.4.4" => %w[pg/connection.rb pg/basic_type_map_for_results.rb],
  "concurrent-ruby-1.1.10" => %w[concurrent-ruby/concurrent/map.rb concurrent-ruby/concurrent/executor/ruby_thread_pool_executor.rb],
  "i18n-1.12.0" => %w[i18n/backend/simple.rb i18n/interpolate/ruby.rb],
  "mail-2.7.1" => %w[mail/message.rb mail/header.rb mail/fields/unstructured_field.rb],
  "faraday-2.6.0" => %w[faraday/connection.rb faraday/response.rb],
  "aws-sdk-core-3.166.0" => %w[aws-sdk-core/structure.rb seahorse/client/response.rb aws-sdk-core/json/parser.rb],
  "graphql-2.0.15" => %w[graphql/execution/interpreter/runtime.rb graphql/schema/field.rb],
  "oj-3.13.23" => %w[oj/mimic.rb],
  "tzinfo-2.0.5" => %w[tzinfo/timezone.rb],
  "zeitwerk-2.6.6" => %w[zeitwerk/loader.rb],
}.freeze

STDLIB_FILES = %w[set.rb json/common.rb logger.rb time.rb uri/generic.rb erb.rb forwardable.rb
                  ostruct.rb psych/visitors/to_ruby.rb net/http/response.rb csv/parser.rb
                  monitor.rb delegate.rb securerandom.rb].freeze

APP_FILES = %w[app/models/user.rb app/models/order.rb app/models/line_item.rb app/models/product.rb
               app/models/account.rb app/controllers/orders_controller.rb app/controllers/users_controller.rb
               app/controllers/api/v1/items_controller.rb app/services/billing/invoice_builder.rb
               app/services/search/indexer.rb app/services/export/csv_exporter.rb app/serializers/order_serializer.rb
               app/serializers/user_serializer.rb app/jobs/sync_job.rb app/jobs/import_job.rb
               lib/tracking.rb lib/feature_flags.rb config/initializers/cache_store.rb].freeze

# Builder templates. Each returns one retained "entity" made of several
# objects. __M__ method name, __V__ site variant, __T__ a table-ish word.
# Lines are kept one allocation per line so each is its own file:line.
TEMPLATES = {
  model: [20, <<~'R'],
    def self.__M__(i)
      name = "user_#{i % 4000}"
      email = "user#{i}@example__V__.com"
      tags = ["tag#{i % 7}", "role_#{i % 3}"]
      meta = { "source" => "web", "ip" => "10.0.#{i % 256}.#{i % 7}" }
      Rec.new(i, name, email, tags, meta)
    end
  R
  row: [14, <<~'R'],
    def self.__M__(i)
      row = {}
      row["id"] = i
      row["status"] = "active"
      row["name"] = "Item #{i % 1500}"
      row["price"] = "#{i % 1000}.25"
      row["created_at"] = "2023-0#{i % 9 + 1}-1#{i % 9} 12:00:00"
      row["tags"] = ["a", "b", "c"]
      row
    end
  R
  sql: [10, <<~'R'],
    def self.__M__(i)
      sql = "SELECT \"__T__\".* FROM \"__T__\" WHERE \"__T__\".\"id\" = #{i % 500} LIMIT 1"
      binds = [i % 500, "__T__"]
      [sql, binds]
    end
  R
  html: [5, <<~'R'],
    def self.__M__(i)
      buf = String.new(capacity: 256)
      buf << "<div class=\"card\" id=\"card-#{i % 200}\">\n"
      buf << "  <h2>Title #{i % 50}</h2>\n"
      buf << "  <p>Lorem ipsum dolor sit amet, consectetur adipiscing elit.</p>\n" * (1 + i % 4)
      buf << "</div>\n"
      buf
    end
  R
  log: [8, <<~'R'],
    def self.__M__(i)
      line = "I, [2023-05-0#{i % 9 + 1}T10:00:00.#{i % 1000} ##{i % 64}]  INFO -- : Completed 200 OK in #{i % 97}ms"
      parts = line.split(" ")
      parts
    end
  R
  closure: [14, <<~'R'],
    def self.__M__(i)
      key = "cb_#{i % 300}"
      cb = lambda { |x| x.to_s + key }
      cb
    end
  R
  struct: [6, <<~'R'],
    def self.__M__(i)
      label = "label#{i % 100}"
      Row.new(i, label, [i, i + 1])
    end
  R
  numeric: [3, <<~'R'],
    def self.__M__(i)
      f = 1.0e300 * (i % 7 + 1)
      b = 2**70 + i
      r = Rational(i, 7)
      c = Complex(i, 2)
      [f, b, r, c]
    end
  R
  regexp: [1, <<~'R'],
    def self.__M__(i)
      re = Regexp.new("^/api/v#{i % 3}/items/(\\d+)$")
      md = re.match("/api/v#{i % 3}/items/#{i}")
      [re, md]
    end
  R
  data: [5, <<~'R'],
    def self.__M__(i)
      t = Time.at(1_600_000_000 + i)
      mu = Mutex.new
      io = StringIO.new("buffer #{i % 10}")
      en = [i, i + 1].each_slice(1)
      { t: t, lock: mu, io: io, en: en }
    end
  R
  cache: [8, <<~'R'],
    def self.__M__(i)
      k = "cache:__T__:#{i % 2000}"
      v = { "a" => [1, 2, 3], "b" => "x" * (i % 40) }
      { key: k, value: v, expires_in: 300 }
    end
  R
  klass: [1, <<~'R'],
    def self.__M__(i)
      mix = Module.new
      k = Class.new(Rec) { include mix }
      k.new(i, "anon", nil, nil, nil)
    end
  R
  intl: [3, <<~'R'],
    def self.__M__(i)
      s = "Grüße aus München #{i % 30}"
      b = [i, i * 2, i * 3].pack("N*")
      e = "tab\there \"quoted\" back\\slash #{i % 5}"
      [s, b, e]
    end
  R
  symbol: [2, <<~'R'],
    def self.__M__(i)
      s = "dyn_sym_#{i % 50000}".to_sym
      h = { s => "v#{i % 10}" }
      h
    end
  R
  set: [3, <<~'R'],
    def self.__M__(i)
      ids = [i % 10, i % 11, i % 13]
      Set.new(ids)
    end
  R
  payload: [3, <<~'R'],
    def self.__M__(i)
      head = "{\"id\":#{i},\"items\":["
      body = "{\"sku\":\"SKU-#{i % 100}\",\"qty\":1}," * (5 + i % 40)
      head + body + "{}]}"
    end
  R
  ints: [3, <<~'R'],
    def self.__M__(i)
      Array.new(20 + i % 50) { |k| k * i }
    end
  R
  node: [8, <<~'R'],
    def self.__M__(i)
      root = Rec.new(i, "node", nil, [], nil)
      left = Rec.new(i + 1, "leaf", nil, [root], nil)
      right = Rec.new(i + 2, "leaf", nil, [root], { "w" => i % 9 })
      root.tags.push(left, right)
      root
    end
  R
  copy: [4, <<~'R'],
    def self.__M__(i)
      src = ["alpha", "beta", "gamma", "delta"]
      up = src.map(&:upcase)
      up.each_with_index.to_h
    end
  R
}.freeze

VERBS = %w[build load fetch find_by call render serialize parse decode fill normalize wrap cast
           instantiate read process dispatch compile merge coerce format].freeze
TABLES = %w[users orders line_items products accounts sessions events invoices payments].freeze

def camel(s) = s.gsub(/[^A-Za-z0-9]+/, "_").split("_").map(&:capitalize).join

module BenchApp; end

def build_world(rng)
  files = []
  GEM_FILES.each { |g, subs| subs.each { |s| files << "/app/vendor/bundle/ruby/3.1.0/gems/#{g}/lib/#{s}" } }
  STDLIB_FILES.each { |s| files << "/usr/lib/ruby/3.1.0/#{s}" }
  APP_FILES.each { |s| files << "/app/#{s}" }

  kinds = TEMPLATES.keys
  sites = [] # [Method, weight]
  files.each_with_index do |path, fi|
    mod = Module.new
    BenchApp.const_set("F#{fi}#{camel(File.basename(path, ".rb"))}", mod)
    src = +<<~R
      class Rec
        attr_reader :tags
        def initialize(id, name, email, tags, meta)
          @id = id
          @name = name
          @email = email
          @tags = tags
          @meta = meta
        end
      end
      Row = Struct.new(:id, :label, :value)
    R
    names = []
    # app files get more methods and higher weight (hot paths)
    nmeth = path.start_with?("/app/app", "/app/lib") ? 4 + rng.rand(6) : 2 + rng.rand(5)
    nmeth.times do |k|
      kind = kinds[rng.rand(kinds.size)]
      base_w, body = TEMPLATES[kind]
      name = "#{VERBS[rng.rand(VERBS.size)]}_#{kind}_#{k}"
      src << ("\n" * rng.rand(8))
      src << body.gsub("__M__", name).gsub("__V__", rng.rand(5).to_s).gsub("__T__", TABLES[rng.rand(TABLES.size)])
      # skewed site weights: a few hot sites dominate, like real heaps
      w = base_w * (rng.rand < 0.15 ? 6 + rng.rand(10) : 1 + rng.rand(3))
      w *= 2 if path.start_with?("/app/app")
      names << [name, w]
    end
    mod.module_eval(src, path, 5 + rng.rand(300))
    names.each { |n, w| sites << [mod.method(n), w] }
  end

  # pick table: index by rng.rand(PICK.size)
  total = sites.sum { |_, w| w }
  pick = []
  sites.each { |m, w| [(w * 8192.0 / total).round, 1].max.times { pick << m } }
  [pick, files.size, sites.size]
end

# The phase runner lives in its own fake file, so the retaining arrays and
# index hashes get a plausible allocation site too.
RUNNER_SRC = <<~'R'
  module Runner
    def self.run_phase(pick, rng, n, base)
      chunks = []
      index = {}
      chunk = []
      limit = 8 + rng.rand(121)
      psize = pick.size
      j = 0
      while j < n
        e = pick[rng.rand(psize)].call(base + j)
        chunk << e
        if (j & 15) == 0
          index["k#{base + j}"] = e
        end
        if chunk.size >= limit
          chunks << chunk
          chunk = []
          limit = 8 + rng.rand(121)
        end
        j += 1
      end
      chunks << chunk unless chunk.empty?
      { chunks: chunks, index: index, count: n }
    end

    def self.registry(phases, max)
      reg = []
      phases.each do |ph|
        ph[:chunks].each do |c|
          c.each { |e| reg << e; return reg if reg.size >= max }
        end
      end
      reg
    end
  end
R
Object.module_eval(RUNNER_SRC, "/app/app/jobs/bulk_import_job.rb", 41)

# Lazy code loading during the run (as an autoloader would): new iseqs,
# method entries, constant caches -> IMEMO objects with a gem file:line.
LOADER_SRC = <<~'R'
  module LazyLoader
    def self.load_batch(serial, n)
      mod = Module.new
      src = String.new
      n.times do |k|
        src << "def m#{k}(a, b = nil)\n  x = \"loaded #{serial}/#{k} \" + a.to_s\n  [x, b, :sym_#{k % 50}].compact.map { |v| v.to_s }\nend\n"
      end
      mod.module_eval(src, "/app/app/models/concerns/generated_#{serial % 40}.rb", 1)
      mod
    end
  end
R
Object.module_eval(LOADER_SRC, "/app/vendor/bundle/ruby/3.1.0/gems/zeitwerk-2.6.6/lib/zeitwerk/loader/helpers.rb", 118)

def dump_to(path)
  t = now
  File.open(path, "wb") do |f|
    ObjectSpace.dump_all(output: f)
  end
  log(format("dump_all -> %s: %.1f MB in %.1fs", path, File.size(path) / 1e6, now - t))
end

def count_lines(path)
  n = 0
  File.open(path, "rb") do |f|
    buf = String.new(capacity: 1 << 22)
    n += buf.count("\n") while f.read(1 << 22, buf)
  end
  n
end

# ---------------------------------------------------------------------------
# 2. Run.
# ---------------------------------------------------------------------------

PICK, NFILES, NSITES = build_world(RNG)
log("world: #{NFILES} files, #{NSITES} builder methods")

ROOTS = { phases: [], registry: nil }
GC.start

# Pre-tracing data: the "nil" generation (~1.5% of the target).
pre_n = [(TARGET * 0.015 / 1500).to_i, 500].max
ROOTS[:pre] = Runner.run_phase(PICK, RNG, pre_n, 10_000_000)
log("pre-trace entities: #{pre_n}")

ObjectSpace.trace_object_allocations_start
GC.start

# Calibration phase.
cal_n = [(TARGET / 1500 * 0.01).to_i, 3000].max
g0 = GC.count
ROOTS[:phases] << Runner.run_phase(PICK, RNG, cal_n, 0)
ROOTS[:phases][-1][:code] = LazyLoader.load_batch(999, cal_n / 30)
cal_bytes = ObjectSpace.dump_all(output: :string, since: g0).bytesize
per_entity = cal_bytes.to_f / cal_n
GC.start(full_mark: false)
so_far = ObjectSpace.dump_all(output: :string).bytesize
log(format("calibration: %d entities -> %.0f bytes/entity; heap so far %.1f MB", cal_n, per_entity, so_far / 1e6))

# Registry line (~18 bytes per ref): reserve for it.
remaining = TARGET - so_far
est_entities = remaining / per_entity
reg_max = [[est_entities / 2, 1_000_000].min.to_i, 1].max
remaining -= reg_max * 18
total_n = [(remaining / per_entity).to_i, 0].max

NPHASES = 40
CHECK_AT = 8 # after this many phases, re-measure and correct the plan
weights = Array.new(NPHASES) { 0.5 + RNG.rand }
plan = weights.map { |w| (total_n * w / weights.sum).to_i }
base = cal_n
g1 = GC.count
NPHASES.times do |p|
  if p == CHECK_AT
    done_n = plan.first(CHECK_AT).sum
    if done_n > 0
      got = ObjectSpace.dump_all(output: :string, since: g1).bytesize
      per_entity2 = got.to_f / done_n
      left = TARGET - so_far - got - reg_max * 18
      left_n = [(left / per_entity2).to_i, 0].max
      rest_w = weights[CHECK_AT..].sum
      (CHECK_AT...NPHASES).each { |q| plan[q] = (left_n * weights[q] / rest_w).to_i }
      log(format("re-measure: %.0f bytes/entity over %d entities; %d entities left", per_entity2, done_n, left_n))
    end
  end
  n = plan[p]
  ph = Runner.run_phase(PICK, RNG, n, base)
  ph[:code] = LazyLoader.load_batch(p, [n / 30, 1].max)
  ROOTS[:phases] << ph
  base += n
  GC.start(full_mark: (p % 10 == 9), immediate_sweep: false)
  log(format("phase %2d/%d: %8d entities, GC.count=%d, rss=%d MB", p + 1, NPHASES, n, GC.count, rss_mb)) if p % 5 == 4 || p == NPHASES - 1
end
ROOTS[:registry] = Runner.registry(ROOTS[:phases], reg_max)
log("registry: #{ROOTS[:registry].size} refs")

GC.start(full_mark: false)
dump_to(OUT)

if opts[:pair]
  # Drop about a third: whole phases, half of some others, some index hashes.
  dropped = 0
  ROOTS[:phases].each_with_index do |ph, k|
    next if k.zero?
    r = RNG.rand
    if r < 0.2
      dropped += ph[:chunks].sum(&:size)
      ph[:chunks] = []
      ph[:index] = {}
    elsif r < 0.5
      keep = []
      ph[:chunks].each_with_index { |c, ci| ci.even? ? keep << c : dropped += c.size }
      ph[:chunks] = keep
      ph[:index] = {}
    end
  end
  # rebuild the registry from what is left, so dropped entities really die
  old_reg = ROOTS[:registry].size
  ROOTS[:registry] = nil
  ROOTS[:registry] = Runner.registry(ROOTS[:phases], old_reg * 2 / 3)
  GC.start
  log("pair: dropped #{dropped} entities, rebuilding")
  m = 10
  m.times do |p|
    n = dropped / m
    ph = Runner.run_phase(PICK, RNG, n, base)
    ph[:code] = LazyLoader.load_batch(100 + p, [n / 30, 1].max)
    ROOTS[:phases] << ph
    base += n
    GC.start(full_mark: false, immediate_sweep: false)
  end
  ROOTS[:registry].concat(Runner.registry(ROOTS[:phases].last(m), old_reg - ROOTS[:registry].size))
  GC.start(full_mark: false)
  dump_to(opts[:pair])
end

outs = [OUT, opts[:pair]].compact
outs.each do |path|
  sz = File.size(path)
  lines = count_lines(path)
  puts format("%s: %d bytes (%.1f MB, %.1f%% of target), %d lines", path, sz, sz / 1e6, 100.0 * sz / TARGET, lines)
end
puts format("elapsed %.1fs, peak RSS %d MB, GC.count %d, seed %d", now, rss_mb("VmHWM"), GC.count, opts[:seed])
