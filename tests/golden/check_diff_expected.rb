#!/usr/bin/env ruby
# frozen_string_literal: true
#
# check_diff_expected.rb -- independent re-check of the `heapdump diff`
# golden files written by make_diff_expected.rb.
#
# Run from the repository root (Ruby >= 2.7, json; no heapy needed):
#
#     ruby tests/golden/check_diff_expected.rb
#
# A second, deliberately naive implementation of the spec's `diff` section
# (docs: heapy-compat.md), written without looking at heapy's output: for
# every tests/golden/cases/diff_*/ it reads `cmd`, loads the dumps whole with
# JSON.parse per line, builds identity sets (address, type, generation) of
# BEFORE's (and RETAINED's) objects, walks AFTER in file order, groups the
# reported objects by (type, file, line), ranks them (count descending, ties
# in order of first appearance) and renders heapy's line format. It asserts
#   - expected.stdout equals that rendering byte for byte,
#   - expected.code is "0\n",
#   - expected.output-diff (when cmd has --output-diff/--output_diff) is the
#     reported AFTER lines, byte for byte, in file order, newline-terminated,
#   - the leak sequence: every leak_plain diff reports, for each leaking
#     line:type of the fixtures README table, exactly the difference of the
#     table's counts (and the table itself matches the three dumps),
#   - the slot-reuse pair: all 400 fresh objects are reported, while heapy
#     (heapy.stdout) reported fewer.
# Exits 1 with a list of failures, 0 when everything holds.

require 'json'
require 'zlib'
require 'stringio'

ROOT_DIR = File.expand_path('../..', __dir__)
CASES_DIR = File.join(ROOT_DIR, 'tests', 'golden', 'cases')
NOT_OBJECTS = %w[ROOT SHAPE NONE MOVED].freeze

# Leak sequence table from the fixtures README ("Counts by (line:type) in the
# three dumps"), all in "file":"gen/leak_sequence.rb".
LEAK_TABLE = {
  'fixtures/leak_plain.0.json' => { '74:HASH' => 18, '74:STRING' => 18, '78:DATA' => 18,
                                    '78:IMEMO' => 19, '79:ARRAY' => 18, '79:STRING' => 360 },
  'fixtures/leak_plain.1.json' => { '74:HASH' => 36, '74:STRING' => 36, '78:DATA' => 36,
                                    '78:IMEMO' => 37, '79:ARRAY' => 36, '79:STRING' => 720 },
  'fixtures/leak_plain.2.json' => { '74:HASH' => 54, '74:STRING' => 54, '78:DATA' => 54,
                                    '78:IMEMO' => 55, '79:ARRAY' => 54, '79:STRING' => 1080 },
}.freeze
LEAK_FILE = 'gen/leak_sequence.rb'
SLOT_FRESH = ['OBJECT', 'fixtures/gen/slot_reuse.rb', '92'].freeze
SLOT_N = 400

$failures = []
def check(ok, msg)
  $failures << msg unless ok
  ok
end

$dumps = {}
# [[raw line, parsed Hash or nil], ...] for every line of the file
def load_dump(rel)
  $dumps[rel] ||= begin
    bytes = File.binread(File.join(ROOT_DIR, rel))
    bytes = Zlib::GzipReader.new(StringIO.new(bytes)).read if rel.end_with?('.gz')
    bytes.lines.reject { |l| l.strip.empty? }.map do |raw|
      parsed = begin
        JSON.parse(raw.dup.force_encoding('UTF-8'))
      rescue JSON::ParserError
        nil
      end
      [raw, parsed.is_a?(Hash) ? parsed : nil]
    end
  end
end

def objects(rel)
  load_dump(rel).select do |_, h|
    h && h['address'] && !NOT_OBJECTS.include?(h['type'])
  end
end

def ident(h)
  "#{h['address']}|#{h['type']}|#{h['generation'].inspect}"
end

# The spec's diff: returns [stdout text, output-diff text, {[type,file,line] => count}]
def naive_diff(before, after, retained)
  old = {}
  objects(before).each { |_, h| old[ident(h)] = true }
  alive = nil
  if retained
    alive = {}
    objects(retained).each { |_, h| alive[ident(h)] = true }
  end
  groups = {} # insertion order = order of first appearance in AFTER
  out_lines = +''
  objects(after).each do |raw, h|
    id = ident(h)
    next if old[id]
    next if alive && !alive[id]
    key = [h['type'].to_s, h['file'].to_s, h['line'].to_s]
    groups[key] ||= [0, 0]
    groups[key][0] += 1
    groups[key][1] += h['memsize'].to_i
    out_lines << raw
    out_lines << "\n" unless raw.end_with?("\n")
  end
  total = groups.values.map(&:last).sum
  word = retained ? 'Retained' : 'Allocated'
  ranked = groups.to_a.each_with_index.sort_by { |(_, (count, _)), idx| [-count, idx] }.map(&:first)
  text = ranked.map do |(type, file, line), (count, size)|
    "#{word} #{type} #{count} objects of size #{size}/#{total} (in bytes) at: #{file}:#{line}\n"
  end.join
  [text, out_lines, groups.transform_values(&:first)]
end

def read_or_nil(path)
  File.exist?(path) ? File.binread(path) : nil
end

# --- the README table matches the dumps themselves
LEAK_TABLE.each do |rel, want|
  have = Hash.new(0)
  objects(rel).each do |_, h|
    have["#{h['line']}:#{h['type']}"] += 1 if h['file'] == LEAK_FILE
  end
  want.each do |k, n|
    check(have[k] == n, "#{rel}: README says #{n} objects at #{LEAK_FILE} #{k}, dump has #{have[k]}")
  end
end

dirs = Dir.glob(File.join(CASES_DIR, 'diff_*')).select { |d| File.directory?(d) }.sort
check(!dirs.empty?, 'no diff_* cases found')
n_leak = 0
dirs.each do |dir|
  name = File.basename(dir)
  cmd = read_or_nil(File.join(dir, 'cmd'))
  next check(false, "#{name}: no cmd") unless cmd
  check(cmd.end_with?("\n") && cmd.count("\n") == 1, "#{name}: cmd must be one line")
  words = cmd.split
  check(words.first == 'diff', "#{name}: cmd does not start with diff")
  files = []
  out_opt = nil
  rest = words.drop(1)
  until rest.empty?
    w = rest.shift
    if w == '--output-diff' || w == '--output_diff'
      out_opt = rest.shift
    else
      files << w
    end
  end
  next check(false, "#{name}: cmd needs 2 or 3 files") unless [2, 3].include?(files.size)
  files.each { |f| check(!f.start_with?('/') && File.exist?(File.join(ROOT_DIR, f)), "#{name}: bad path #{f}") }
  if out_opt
    check(out_opt.start_with?('@TMP@/'), "#{name}: output file must live under @TMP@")
  end

  text, out_text, counts = naive_diff(files[0], files[1], files[2])

  got = read_or_nil(File.join(dir, 'expected.stdout'))
  if check(got, "#{name}: no expected.stdout") && got != text
    g = got.lines
    t = text.lines
    i = (0...[g.size, t.size].max).find { |k| g[k] != t[k] }
    check(false, "#{name}: expected.stdout differs at line #{i + 1}:\n  file:  #{g[i].inspect}\n  naive: #{t[i].inspect}")
  end
  check(read_or_nil(File.join(dir, 'expected.code')) == "0\n", "#{name}: expected.code is not 0")
  exp_out = read_or_nil(File.join(dir, 'expected.output-diff'))
  if out_opt
    check(exp_out == out_text, "#{name}: expected.output-diff differs from the naive one")
  else
    check(exp_out.nil?, "#{name}: expected.output-diff without --output-diff in cmd")
  end

  # --- leak sequence
  if files.all? { |f| LEAK_TABLE.key?(f) }
    n_leak += 1
    LEAK_TABLE[files[0]].each_key do |k|
      line, type = k.split(':')
      want = LEAK_TABLE[files[1]][k] - LEAK_TABLE[files[0]][k]
      have = counts[[type, LEAK_FILE, line]] || 0
      check(have == want, "#{name}: #{k} reports #{have}, README table says #{want}")
      printed = got.to_s.lines.grep(/ #{type} (\d+) objects .* at: #{Regexp.escape(LEAK_FILE)}:#{line}\n\z/)
      check(printed.size == 1 && printed[0][/ #{type} (\d+) objects/, 1].to_i == want,
            "#{name}: expected.stdout has no single '#{type} #{want}' line for #{LEAK_FILE}:#{line}")
    end
  end

  # --- slot reuse
  next unless files[0..1] == ['fixtures/slot_reuse.0.json', 'fixtures/slot_reuse.1.json'] && files.size == 2

  check(counts[SLOT_FRESH] == SLOT_N, "#{name}: #{SLOT_FRESH.join(' ')} reports #{counts[SLOT_FRESH]}, want #{SLOT_N}")
  heapy = read_or_nil(File.join(dir, 'heapy.stdout')).to_s
  h = heapy[/ OBJECT (\d+) objects .* at: fixtures\/gen\/slot_reuse\.rb:92$/, 1].to_i
  check(h < SLOT_N, "#{name}: heapy.stdout was expected to under-count the fresh objects (has #{h})")
end
check(n_leak >= 4, "only #{n_leak} leak-sequence cases (want the 3 two-dump and the three-dump case)")

if $failures.empty?
  puts "ok: #{dirs.size} diff cases (#{n_leak} leak-sequence) match the naive implementation"
else
  warn $failures.map { |f| "FAIL #{f}" }
  warn "#{$failures.size} failure(s)"
  exit 1
end
