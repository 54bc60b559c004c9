#!/usr/bin/env ruby
# frozen_string_literal: true
#
# make_read_expected.rb -- build the golden expected outputs for `heapdump read`.
#
# Reference implementation: the real heapy 0.2.0 (Debian package ruby-heapy
# 0.2.0-2, /usr/bin/heapy), run under Ruby 3.1 (written and last run with
# ruby 3.1.2p20 [x86_64-linux-gnu], json 2.6.1, thor 1.2.1).
#
# Run from the repository root:
#
#     ruby tests/golden/make_read_expected.rb          # regenerate every case
#     ruby tests/golden/make_read_expected.rb NAME...  # only these cases
#     ruby tests/golden/check_read_expected.rb         # independent re-check
#
# For each case this script
#   1. decompresses a .json.gz fixture to a temporary file (heapy can't read
#      gzip),
#   2. runs `heapy read FILE [GEN] [--lines N]` with LC_ALL=C.UTF-8 and saves
#      heapy's raw stdout to cases/NAME/heapy.stdout (plus heapy.code, and
#      heapy.stderr = the first stderr line when heapy crashes),
#   3. reads the dump itself with Ruby's JSON (one JSON.parse per line) and
#      computes, naively, every number the spec (docs: heapy-compat.md)
#      defines,
#   4. checks heapy's output line by line against those numbers, and keeps
#      heapy's lines wherever the spec says heapdump prints the same thing,
#   5. applies only the documented adjustments (the spec's [differs] rules and
#      the first-appearance tie order heapy leaves unspecified), and writes
#      cases/NAME/expected.stdout, expected.code, cmd and adjustments.txt.
#
# The adjustment tags written to adjustments.txt are explained in README.md
# next to this file. Nothing here is copied from heapy; heapy is only run.

require 'json'
require 'zlib'
require 'open3'
require 'tmpdir'
require 'fileutils'

REPO  = File.expand_path('../..', __dir__)
GOLD  = File.join(REPO, 'tests', 'golden')
HEAPY = ENV['HEAPY'] || '/usr/bin/heapy'
NON_OBJECT_TYPES = %w[ROOT SHAPE NONE MOVED].freeze
DEFAULT_LINES = 50

# name, fixture (relative to repo root), arguments after the file
CASES = [
  # --- summary: `read FILE` on every fixture
  ['summary_boot_sinatra',          'fixtures/boot_sinatra.json.gz',        []],
  ['summary_leak_plain_0',          'fixtures/leak_plain.0.json',           []],
  ['summary_leak_plain_1',          'fixtures/leak_plain.1.json',           []],
  ['summary_leak_plain_2',          'fixtures/leak_plain.2.json',           []],
  ['summary_edge_values',           'fixtures/edge_values.json',            []],
  ['summary_edge_values_notrace',   'fixtures/edge_values_notrace.json.gz', []],
  ['summary_edge_truncated',        'fixtures/edge_truncated.json',         []],
  ['summary_edge_empty',            'fixtures/edge_empty.json',             []],
  ['summary_edge_since',            'fixtures/edge_since.json',             []],
  ['summary_edge_badjson_path',     'fixtures/edge_badjson_path.json',      []],
  ['summary_edge_full',             'fixtures/edge_full.json.gz',           []],
  # --- drill-down: `read FILE all`
  ['all_boot_sinatra',              'fixtures/boot_sinatra.json.gz',        ['all']],
  ['all_boot_sinatra_lines5',       'fixtures/boot_sinatra.json.gz',        ['all', '--lines', '5']],
  ['all_leak_plain_2',              'fixtures/leak_plain.2.json',           ['all']],
  ['all_edge_values',               'fixtures/edge_values.json',            ['all']],
  ['all_edge_since',                'fixtures/edge_since.json',             ['all']],
  ['all_edge_badjson_path',         'fixtures/edge_badjson_path.json',      ['all']],
  ['all_edge_full',                 'fixtures/edge_full.json.gz',           ['all']],
  ['all_edge_truncated',            'fixtures/edge_truncated.json',         ['all']],
  ['all_edge_values_notrace',       'fixtures/edge_values_notrace.json.gz', ['all']],
  ['all_edge_empty',                'fixtures/edge_empty.json',             ['all']],
  # --- drill-down: one generation
  ['gen2_leak_plain_1',             'fixtures/leak_plain.1.json',           ['2']],
  ['gen3_leak_plain_2_lines3',      'fixtures/leak_plain.2.json',           ['3', '--lines', '3']],
  ['gen0_leak_plain_1',             'fixtures/leak_plain.1.json',           ['0']],
  ['gen7_leak_plain_1_none',        'fixtures/leak_plain.1.json',           ['7']],
  ['gen18_boot_sinatra',            'fixtures/boot_sinatra.json.gz',        ['18']],
  ['gen30_boot_sinatra',            'fixtures/boot_sinatra.json.gz',        ['30']],
].freeze

# ---------------------------------------------------------------------------
# Reading a dump (naive: whole file in memory, one JSON.parse per line)
# ---------------------------------------------------------------------------

Dump = Struct.new(:records, :invalid_lines) # records: [Hash] in file order

def read_dump(path)
  raw = File.binread(path)
  raw = Zlib.gunzip(raw) if path.end_with?('.gz')
  records = []
  invalid = []
  raw.each_line do |line| # lines keep their "\n" (the last may lack it)
    text = line.dup.force_encoding(Encoding::UTF_8)
    next if text.strip.empty? # blank lines are ignored (none in the fixtures)
    begin
      rec = JSON.parse(text)
    rescue JSON::ParserError
      invalid << text
      next
    end
    if rec.is_a?(Hash) then records << rec else invalid << text end
  end
  Dump.new(records, invalid)
end

def object?(rec)
  rec.key?('address') && !NON_OBJECT_TYPES.include?(rec['type'])
end

# Spec kb: tenths = floor((10*bytes + 512) / 1024), one decimal.
def kb(bytes)
  t = (10 * bytes + 512) / 1024
  "#{t / 10}.#{t % 10}"
end

# Spec's String#inspect rules, written out from the spec's list.
def spec_inspect(value)
  out = +'"'
  bytes = value.b
  i = 0
  simple = { "\n" => '\n', "\t" => '\t', "\r" => '\r', "\f" => '\f', "\v" => '\v',
             "\b" => '\b', "\a" => '\a', "\e" => '\e', '"' => '\"', '\\' => '\\\\' }
  # walk character by character, treating invalid bytes one at a time
  until i >= bytes.bytesize
    ch = nil
    (1..4).each do |n|
      c = bytes.byteslice(i, n).force_encoding(Encoding::UTF_8)
      if c.valid_encoding? then ch = c; break end
    end
    if ch.nil?
      out << format('\\x%02X', bytes.getbyte(i)); i += 1; next
    end
    nxt = bytes.byteslice(i + ch.bytesize, 1)
    if simple[ch]                                    then out << simple[ch]
    elsif ch == '#' && ['{', '$', '@'].include?(nxt) then out << '\#'
    elsif ch.ord < 0x20 || ch.ord == 0x7F            then out << format('\\u%04X', ch.ord)
    else out << ch
    end
    i += ch.bytesize
  end
  out << '"'
end

# ---------------------------------------------------------------------------
# Naive reference numbers, straight from the records
# ---------------------------------------------------------------------------

# generation key: nil or an Integer. Returns {gen => [count, bytes]}
def summary_numbers(dump)
  h = {}
  dump.records.each do |r|
    next unless object?(r)
    g = r['generation']
    h[g] ||= [0, 0]
    h[g][0] += 1
    h[g][1] += (r['memsize'] || 0)
  end
  h
end

# Sorted ranking [[key, value], ...]: descending value, ties by first
# appearance (Ruby Hash keeps insertion order = first appearance).
def rank(hash)
  hash.each_with_index.sort_by { |(_k, v), i| [-v, i] }.map(&:first)
end

def class_names(dump)
  names = {}
  dump.records.each do |r|
    next unless %w[CLASS MODULE].include?(r['type']) && r['address'] && r['name'].is_a?(String)
    a = Integer(r['address'])
    raise "two names for #{r['address']}" if names[a] && names[a] != r['name']
    names[a] = r['name']
  end
  names
end

Drill = Struct.new(:selected, :mem, :count, :klass, :refs, :strings)

def drill_numbers(dump, gen)
  sel = dump.records.select do |r|
    object?(r) && r['file'].is_a?(String) &&
      (gen == 'all' || (r['generation'].is_a?(Integer) && r['generation'] == Integer(gen, 10)))
  end
  names = class_names(dump)
  mem = Hash.new(0); count = Hash.new(0); klass = Hash.new(0); refs = Hash.new(0)
  strings = {} # value => {count:, locs: {loc => n}}
  sel.each do |r|
    loc = "#{r['file']}:#{r['line']}"
    mem[loc] += (r['memsize'] || 0)
    count[loc] += 1
    # Only instances count by class: an IMEMO's or ICLASS's "class" slot
    # holds something else (spec: drill-down section 3, [differs]).
    if r['class'] && !%w[IMEMO ICLASS].include?(r['type'])
      klass[names[Integer(r['class'])] || "#<Class:#{r['class']}>"] += 1
    end
    refs[loc] += r['references'].length if r['references'].is_a?(Array)
    if r['type'] == 'STRING' && r['value'].is_a?(String)
      s = (strings[r['value']] ||= { count: 0, locs: Hash.new(0) })
      s[:count] += 1
      s[:locs][loc] += 1
    end
  end
  # Tie order for a location is its first selected object (spec, Ordering):
  # put the refs keys in that order, not in order of the first object that
  # has "references" (which is where heapy's hash would put them).
  refs = count.keys.select { |k| refs.key?(k) }.to_h { |k| [k, refs[k]] }
  Drill.new(sel, mem, count, klass, refs, strings)
end

# ---------------------------------------------------------------------------
# Running heapy
# ---------------------------------------------------------------------------

def run_heapy(plain_path, args)
  env = { 'LC_ALL' => 'C.UTF-8', 'LANG' => 'C.UTF-8' }
  out, err, st = Open3.capture3(env, HEAPY, 'read', plain_path, *args, binmode: true)
  [out.force_encoding(Encoding::UTF_8), err.force_encoding(Encoding::UTF_8), st.exitstatus]
end

class Adjust
  attr_reader :tags
  def initialize; @tags = []; end
  def add(tag) = (@tags << tag unless @tags.include?(tag))
end

def check!(cond, msg)
  raise "CHECK FAILED: #{msg}" unless cond
end

# heapy prints `Could not parse <line>` (puts, so a line without "\n" gets
# one) for each invalid line, while reading, i.e. right after the header.
def strip_parse_errors(out, header, dump, adj)
  return out if dump.invalid_lines.empty?
  block = dump.invalid_lines.map { |l| "Could not parse #{l}#{l.end_with?("\n") ? '' : "\n"}" }.join
  check!(out.start_with?(header + block), 'heapy parse-error block not where expected')
  adj.add('parse-errors-to-stderr')
  header + out[(header + block).length..]
end

# ---------------------------------------------------------------------------
# Summary
# ---------------------------------------------------------------------------

SUMMARY_HEADER = "\nAnalyzing Heap\n==============\n"

def build_summary(dump, heapy_out, heapy_code, adj)
  nums = summary_numbers(dump)
  gens = nums.keys.compact.sort
  width = [3, (gens.max || 0).to_s.length].max
  row = ->(label, (c, b)) { "Generation: #{label.to_s.rjust(width)} object count: #{c}, mem: #{kb(b)} kb\n" }

  if heapy_code != 0
    # heapy crashes on a dump with no objects (edge_empty): spec alone.
    check!(nums.empty?, 'heapy crashed on a dump that has objects')
    check!(heapy_out == SUMMARY_HEADER, 'heapy printed the header before crashing')
    adj.add('empty-dump-from-spec')
    body = ''
  else
    out = strip_parse_errors(heapy_out, SUMMARY_HEADER, dump, adj)
    check!(out.start_with?(SUMMARY_HEADER), 'summary header')
    heapy_rows = out[SUMMARY_HEADER.length...out.index("\nHeap total\n")].lines
    hrow = {}
    heapy_rows.each do |l|
      m = l.match(/\AGeneration: +(\S+) object count: (\d+), mem: (\d+\.\d) kb\n\z/) or raise "bad row #{l.inspect}"
      hrow[m[1]] = l
    end
    body = +''
    if nums.key?(nil)
      mine = row.call('nil', nums[nil])
      adj.add('nil-row') if hrow['nil'] != mine
      body << mine
    elsif hrow['nil']
      adj.add('nil-row') # heapy's nil row held only ROOT lines
    end
    if nums.key?(0)
      adj.add('gen0-row')
      body << row.call(0, nums[0])
    end
    gens.reject(&:zero?).each do |g|
      mine = row.call(g, nums[g])
      h = hrow[g.to_s]
      check!(!h.nil?, "heapy has no row for generation #{g}")
      if h != mine
        # Only the kb rounding could differ here; count must agree.
        check!(h[/object count: (\d+)/, 1].to_i == nums[g][0], "count for generation #{g}")
        adj.add('kb-rounding')
      end
      body << mine
    end
    # heapy's rows: every distinct (generation || 0) over all parsed lines
    heapy_gens = dump.records.map { |r| r['generation'] || 0 }.uniq.sort
    check!(hrow.keys == heapy_gens.map { |g| g.zero? ? 'nil' : g.to_s }, 'heapy generation rows')
    check!(heapy_gens.reject(&:zero?) == gens.reject(&:zero?), 'positive generations agree')
    # heapy's nil row counts every parsed line with no (or a 0) generation:
    # ROOT/NONE/... records, untraced objects and generation-0 objects.
    if hrow['nil']
      n = dump.records.count { |r| (r['generation'] || 0).zero? }
      check!(hrow['nil'].include?("object count: #{n}, mem: 0.0 kb"), 'heapy nil row = all gen-less lines, 0.0 kb')
    end
  end

  total_c = nums.values.sum { |c, _| c }
  total_b = nums.values.sum { |_, b| b }
  tail = "\nHeap total\n==============\nGenerations (active): #{nums.size}\nCount: #{total_c}\nMemory: #{kb(total_b)} kb\n"
  expected = SUMMARY_HEADER + body + tail
  if heapy_code.zero?
    out = strip_parse_errors(heapy_out, SUMMARY_HEADER, dump, Adjust.new)
    htail = out[out.index("\nHeap total\n")..]
    adj.add('totals') if htail != tail
    # sanity: heapy counts every parsed line (ROOT, NONE... included)
    check!(htail[/^Count: (\d+)$/, 1].to_i == dump.records.size, 'heapy Count == parsed lines')
  end
  expected
end

# ---------------------------------------------------------------------------
# Drill-down
# ---------------------------------------------------------------------------

def rows_text(pairs, width, lead = '  ')
  pairs.map { |k, v| "#{lead}#{v.to_s.rjust(width)}  #{k}\n" }.join
end

# heapy ranking rows "  VALUE  KEY" -> [[key, value]]
def parse_rows(text)
  text.lines.map do |l|
    m = l.match(/\A  +(\d+)  (.*)\n\z/) or raise "bad row #{l.inspect}"
    [m[2], m[1].to_i]
  end
end

# Compare heapy's (unstably sorted) top-N rows with our ranking: same values
# in the same order; every heapy row's key has that value in our full table;
# same key set except inside the last tie run when the list was cut at N.
def verify_ranking(name, heapy_pairs, mine_pairs, full_table, cut)
  check!(heapy_pairs.map(&:last) == mine_pairs.map(&:last), "#{name}: value sequence")
  heapy_pairs.each { |k, v| check!(full_table[k] == v, "#{name}: #{k} = #{v}") }
  return :same if heapy_pairs == mine_pairs
  last = mine_pairs.empty? ? nil : mine_pairs.last[1]
  hk = heapy_pairs.reject { |_, v| cut && v == last }.map(&:first).sort
  mk = mine_pairs.reject { |_, v| cut && v == last }.map(&:first).sort
  check!(hk == mk, "#{name}: key set")
  heapy_pairs.map(&:first).sort == mine_pairs.map(&:first).sort ? :reordered : :recut
end

def build_drill(dump, gen, lines, heapy_out, heapy_code, adj)
  d = drill_numbers(dump, gen)
  if d.selected.empty?
    # heapy raises "not a valid Generation" after printing the header.
    check!(heapy_code != 0, 'heapy should fail when nothing is selected')
    adj.add('no-selection-empty-stdout')
    return ''
  end
  check!(heapy_code.zero?, 'heapy failed on a non-empty selection')

  header = "\nAnalyzing Heap (Generation: #{gen})\n#{'-' * 31}\n\n"
  out = strip_parse_errors(heapy_out, header, dump, adj)
  check!(out.start_with?(header), 'drill header')
  rule = "#{'=' * 30}\n"

  # Split heapy's output into its sections by their titles.
  m = out.match(/\A#{Regexp.escape(header)}(allocated by memory \((\d+)\) \(in bytes\)\n)#{rule}(.*?)\n(object count \((\d+)\)\n)#{rule}(.*?)\nHigh Ref Counts\n#{rule}\n(.*?)(?:\nDuplicate strings\n#{rule}\n(.*))?\z/m)
  check!(m, 'heapy drill-down layout')
  h_mem_title, h_mem_total, h_mem_rows, h_cnt_title, h_cnt_total, h_cnt_rows, h_ref_rows, h_dup = m.captures

  result = +header

  # 1. allocated by memory
  mem_total = d.mem.values.sum
  check!(h_mem_total.to_i == mem_total, 'memory total')
  mem_full = rank(d.mem)
  mem_rows = mem_full.first(lines)
  r = verify_ranking('memory', parse_rows(h_mem_rows), mem_rows, d.mem, mem_full.size > lines)
  adj.add("tie-order:memory") if r == :reordered
  adj.add("tie-cut:memory") if r == :recut
  w = mem_rows.first[1].to_s.length
  result << h_mem_title << rule << rows_text(mem_rows, w)

  # 2. object count
  cnt_total = d.count.values.sum
  check!(h_cnt_total.to_i == cnt_total && cnt_total == d.selected.size, 'count total')
  cnt_full = rank(d.count)
  cnt_rows = cnt_full.first(lines)
  r = verify_ranking('count', parse_rows(h_cnt_rows), cnt_rows, d.count, cnt_full.size > lines)
  adj.add("tie-order:count") if r == :reordered
  adj.add("tie-cut:count") if r == :recut
  w_cnt = cnt_rows.first[1].to_s.length
  result << "\n" << h_cnt_title << rule << rows_text(cnt_rows, w_cnt)

  # 3. object counts by class (heapy 0.2.0 has no such section)
  cls_rows = rank(d.klass).first(lines)
  unless cls_rows.empty?
    adj.add('class-section')
    result << "\nobject counts by class\n" << rule << rows_text(cls_rows, cls_rows.first[1].to_s.length)
  end

  # 4. High Ref Counts
  ref_full = rank(d.refs)
  ref_rows = ref_full.first(lines)
  h_ref_pairs = parse_rows(h_ref_rows)
  if ref_rows.empty?
    check!(h_ref_pairs.empty?, 'heapy ref rows without references')
    adj.add('refs-section-omitted')
  else
    r = verify_ranking('refs', h_ref_pairs, ref_rows, d.refs, ref_full.size > lines)
    adj.add("tie-order:refs") if r == :reordered
    adj.add("tie-cut:refs") if r == :recut
    w = ref_rows.first[1].to_s.length
    adj.add('refs-width') if w != w_cnt
    result << "\nHigh Ref Counts\n" << rule << "\n" << rows_text(ref_rows, w)
  end

  # 5. Duplicate strings
  all_values = rank(d.strings.transform_values { |s| s[:count] })
  dup_full = all_values.select { |_, c| c >= 2 }
  dup_rows = dup_full.first(lines)
  # parse heapy's blocks: " C  \"inspected\"\n" then " C  loc\n"... then "\n"
  h_blocks = (h_dup || '').split(/^\n/).map(&:lines)
  check!(h_dup.nil? == d.strings.empty?, 'heapy prints Duplicate strings iff a STRING value was selected')
  check!(h_blocks.size == [all_values.size, lines].min, 'heapy value block count')
  h_values = h_blocks.map { |b| [b[0][/\A +\d+  (.*)\n\z/, 1], b[0][/\d+/].to_i] }
  check!(h_values.map(&:last) == all_values.first(lines).map(&:last), 'value counts sequence')
  if h_values.size > dup_rows.size
    adj.add('dup-strings-min-2')
  end
  unless dup_rows.empty?
    w = dup_rows.first[1].to_s.length
    check!(w == h_values.first[1].to_s.length, 'dup width')
    result << "\nDuplicate strings\n" << rule << "\n"
    heapy_by_text = h_blocks.to_h { |b| [b[0][/\A +\d+  (.*)\n\z/, 1], b] }
    reordered = false
    dup_rows.each_with_index do |(value, c), i|
      text = spec_inspect(value)
      hb = heapy_by_text[text]
      # heapy prints Ruby's String#inspect; it must equal the spec escaping.
      check!(hb || dup_full.size > lines, "heapy block for #{text}")
      if hb
        check!(hb[0] == " #{c.to_s.rjust(w)}  #{text}\n", "value line for #{text}")
        reordered ||= (h_blocks[i] != hb)
      else
        adj.add('tie-cut:dup-strings')
      end
      locs = rank(d.strings[value][:locs])
      loc_lines = rows_text(locs, w, ' ')
      if hb
        check!(hb[1..].sort == loc_lines.lines.sort, "locations of #{text}")
        reordered ||= (hb[1..].join != loc_lines)
      end
      result << " #{c.to_s.rjust(w)}  #{text}\n" << loc_lines << "\n"
    end
    adj.add('tie-order:dup-strings') if reordered
  end
  adj.add('dup-strings-section-omitted') if dup_rows.empty? && !d.strings.empty?

  # which lines did heapy and we print differently (should be explained by tags)
  result
end

# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------

# Makes the directory of case `name` and records there what heapy prints
# for `heapy_input`. Returns the directory, heapy's stdout and exit code.
def start_case(name, heapy_input, args)
  dir = File.join(GOLD, 'cases', name)
  FileUtils.rm_rf(dir)
  FileUtils.mkdir_p(dir)
  out, err, code = run_heapy(heapy_input, args)
  File.binwrite(File.join(dir, 'heapy.stdout'), out)
  File.binwrite(File.join(dir, 'heapy.code'), "#{code}\n")
  File.binwrite(File.join(dir, 'heapy.stderr'), err.lines.first.to_s) if code != 0 && !err.empty?
  [dir, out, code]
end

# Writes the expected output and exit code, the command and the list of
# adjustments (which must not be empty when the output differs from
# heapy's). Returns the adjustment tags.
def finish_case(dir, name, fixture, args, heapy_out, expected, exp_code, adj)
  File.binwrite(File.join(dir, 'expected.stdout'), expected)
  File.binwrite(File.join(dir, 'expected.code'), "#{exp_code}\n")
  File.binwrite(File.join(dir, 'cmd'), "#{(['read', fixture] + args).join(' ')}\n")
  tags = adj.tags
  tags = ['none'] if tags.empty? && heapy_out == expected
  check!(!tags.empty?, "#{name}: output differs from heapy but no adjustment recorded")
  File.binwrite(File.join(dir, 'adjustments.txt'), tags.join("\n") + "\n")
  tags
end

def main(only)
  Dir.chdir(REPO)
  dumps = {}
  plain = {}
  summary_table = []
  Dir.mktmpdir('heapy-golden') do |tmp|
    CASES.each do |name, fixture, args|
      next unless only.empty? || only.include?(name)
      dumps[fixture] ||= read_dump(fixture)
      plain[fixture] ||= if fixture.end_with?('.gz')
                           p = File.join(tmp, File.basename(fixture, '.gz'))
                           File.binwrite(p, Zlib.gunzip(File.binread(fixture)))
                           p
                         else
                           fixture
                         end
      dir, out, code = start_case(name, plain[fixture], args)

      adj = Adjust.new
      gen = args[0]
      lines = args.include?('--lines') ? Integer(args[args.index('--lines') + 1], 10) : DEFAULT_LINES
      if gen.nil?
        expected = build_summary(dumps[fixture], out, code, adj)
        exp_code = 0
      else
        expected = build_drill(dumps[fixture], gen, lines, out, code, adj)
        exp_code = expected.empty? ? 1 : 0
      end
      tags = finish_case(dir, name, fixture, args, out, expected, exp_code, adj)
      summary_table << [name, exp_code, tags]
      warn format('%-30s exit %d  %s', name, exp_code, tags.join(', '))
    end
  end
  summary_table
end

main(ARGV) if $PROGRAM_NAME == __FILE__
