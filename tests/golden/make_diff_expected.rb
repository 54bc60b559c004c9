#!/usr/bin/env ruby
# frozen_string_literal: true
#
# make_diff_expected.rb -- build the golden expected outputs for
# `heapdump diff BEFORE AFTER [RETAINED] [--output-diff FILE]`.
#
# Reference implementation: the real heapy 0.2.0 (Debian package ruby-heapy
# 0.2.0-2, /usr/bin/heapy), run under Ruby 3.1 (written and last run with
# ruby 3.1.2p20 (2022-04-12 revision 4491bb740a) [x86_64-linux-gnu], Debian
# package ruby3.1 3.1.7+really3.1.2-0+deb12u1).
#
# Run from the repository root:
#
#     ruby tests/golden/make_diff_expected.rb          # regenerate every diff_* case
#     ruby tests/golden/make_diff_expected.rb NAME...  # only these cases
#     ruby tests/golden/check_diff_expected.rb         # independent re-check
#
# For each case this script
#   1. runs `heapy diff ...` (gzip fixtures are decompressed to a temporary
#      file first, heapy can't read gzip; `@TMP@` in the arguments becomes a
#      temporary directory; `--output-diff` is passed as heapy's
#      `--output_diff`), with LC_ALL=C.UTF-8, and saves its raw stdout to
#      cases/NAME/heapy.stdout (the temporary directory written back as
#      `@TMP@`), heapy's exit code to heapy.code and, for --output-diff
#      cases where it differs from expected.output-diff, heapy's diff file
#      to heapy.output-diff;
#   2. reads every dump itself with Ruby's JSON (one JSON.parse per line) and
#      computes two things: what heapy *should* have printed (address-only
#      identity, every record with or without address counted), which must
#      match heapy's output exactly, so the script knows it has understood
#      heapy; and what the spec (docs: heapy-compat.md, `diff` section) says
#      heapdump prints;
#   3. starting from heapy's lines, applies only the adjustments the spec's
#      [differs] rules require (plus the spec's tie order), in this order:
#        parse-errors-to-stderr  drop heapy's `Could not parse ...` lines
#        non-object-lines        drop groups of ROOT/NONE/SHAPE/MOVED records
#        identity                counts/sizes by address+type+generation:
#                                change, add or remove group lines
#        total                   recompute TOTAL in every line
#        tie-order               count descending, ties by first appearance
#                                (first reported object) in AFTER
#        output-diff-note        drop heapy's blank line + `Writing heap dump
#                                diff to FILE` (heapdump puts it on stderr)
#        output-diff-file        expected diff file = reported AFTER lines
#   4. writes cases/NAME/{cmd, expected.stdout, expected.code,
#      adjustments.txt} and, for --output-diff cases, expected.output-diff.
#      adjustments.txt lists the tags that changed this case's output.
#
# The adjustments are explained in DIFF.md next to this file. Nothing here is
# copied from heapy; heapy is only run.

require 'json'
require 'set'
require 'zlib'
require 'open3'
require 'tmpdir'
require 'fileutils'

REPO  = File.expand_path('../..', __dir__)
GOLD  = File.join(REPO, 'tests', 'golden')
HEAPY = ENV['HEAPY'] || '/usr/bin/heapy'
NON_OBJECT_TYPES = %w[ROOT SHAPE NONE MOVED].freeze

L0 = 'fixtures/leak_plain.0.json'
L1 = 'fixtures/leak_plain.1.json'
L2 = 'fixtures/leak_plain.2.json'
S0 = 'fixtures/slot_reuse.0.json'
S1 = 'fixtures/slot_reuse.1.json'
EMPTY = 'fixtures/edge_empty.json'

# name => heapdump arguments (written to cmd as one line)
CASES = {
  'diff_leak_plain_0_1'               => ['diff', L0, L1],
  'diff_leak_plain_1_2'               => ['diff', L1, L2],
  'diff_leak_plain_0_2'               => ['diff', L0, L2],
  'diff_leak_plain_0_1_2'             => ['diff', L0, L1, L2],
  'diff_slot_reuse'                   => ['diff', S0, S1],
  'diff_slot_reuse_output_diff'       => ['diff', S0, S1, '--output-diff', '@TMP@/out.json'],
  'diff_leak_plain_0_1_2_output_diff' => ['diff', L0, L1, L2, '--output_diff', '@TMP@/out.json'],
  'diff_empty_before_full'            => ['diff', EMPTY, 'fixtures/edge_full.json.gz'],
  'diff_empty_before_truncated'       => ['diff', EMPTY, 'fixtures/edge_truncated.json'],
  'diff_empty_after'                  => ['diff', L0, EMPTY],
}.freeze

# ---------------------------------------------------------------------------
# Dumps
# ---------------------------------------------------------------------------

# One entry per non-blank line: [raw_line_bytes, record_hash_or_nil].
Line = Struct.new(:raw, :rec)

def read_dump(path)
  data = File.binread(File.join(REPO, path))
  data = Zlib.gunzip(data) if path.end_with?('.gz')
  data.each_line.map do |raw|
    text = raw.dup.force_encoding(Encoding::UTF_8)
    rec = begin
      JSON.parse(text)
    rescue JSON::ParserError
      nil
    end
    Line.new(raw, rec.is_a?(Hash) ? rec : nil)
  end
end

def object?(rec)
  rec && rec.key?('address') && !NON_OBJECT_TYPES.include?(rec['type'])
end

def identity(rec)
  [rec['address'], rec['type'], rec['generation']]
end

# Groups in order of creation: key => {type:, file:, line:, count:, size:, first:}
def group_add(groups, rec, index)
  key = [rec['type'], rec['file'], rec['line']]
  g = (groups[key] ||= { type: rec['type'].to_s, file: rec['file'].to_s, line: rec['line'].to_s,
                         count: 0, size: 0, first: index })
  g[:count] += 1
  g[:size] += rec['memsize'] || 0
end

# What heapy 0.2.0 is expected to print: address-only identity over every
# parsed line (a line without "address" has address nil, so a BEFORE with
# ROOT records hides AFTER's ROOT records).
def heapy_model(before, after, retained)
  seen = Set.new
  before.each { |l| seen << l.rec['address'] if l.rec }
  kept = retained && Set.new(retained.select(&:rec).map { |l| l.rec['address'] })
  groups = {}
  after.each_with_index do |l, i|
    next unless l.rec
    a = l.rec['address']
    next if seen.include?(a)
    next if kept && !kept.include?(a)
    group_add(groups, l.rec, i)
  end
  groups
end

# What the spec says heapdump prints. Returns [groups, reported_raw_lines].
def spec_model(before, after, retained)
  seen = Set.new(before.select { |l| object?(l.rec) }.map { |l| identity(l.rec) })
  kept = retained && Set.new(retained.select { |l| object?(l.rec) }.map { |l| identity(l.rec) })
  groups = {}
  lines = []
  after.each_with_index do |l, i|
    next unless object?(l.rec)
    id = identity(l.rec)
    next if seen.include?(id)
    next if kept && !kept.include?(id)
    group_add(groups, l.rec, i)
    lines << (l.raw.end_with?("\n") ? l.raw : "#{l.raw}\n")
  end
  [groups, lines]
end

# ---------------------------------------------------------------------------
# heapy's output
# ---------------------------------------------------------------------------

GROUP_RE = %r{\A(Allocated|Retained) (\S+) (\d+) objects of size (\d+)/(\d+) \(in bytes\) at: (.*):(\d*)\z}.freeze

def render(prefix, g, total)
  "#{prefix} #{g[:type]} #{g[:count]} objects of size #{g[:size]}/#{total} (in bytes) at: #{g[:file]}:#{g[:line]}"
end

# Splits heapy's stdout into group hashes, `Could not parse` lines and the
# output-diff note; anything else is an error.
def parse_heapy(stdout)
  groups = []
  unparsed = []
  note = nil
  lines = stdout.split("\n", -1)
  raise 'heapy stdout does not end with a newline' unless stdout.empty? || lines.pop == ''
  i = 0
  while i < lines.size
    s = lines[i]
    if (m = GROUP_RE.match(s))
      groups << { prefix: m[1], type: m[2], count: m[3].to_i, size: m[4].to_i, total: m[5].to_i,
                  file: m[6], line: m[7], raw: s }
    elsif s.start_with?('Could not parse ')
      unparsed << s
    elsif s == '' && lines[i + 1]&.start_with?('Writing heap dump diff to ') && i + 2 == lines.size
      note = lines[i + 1]
      i += 1
    else
      raise "unexpected heapy stdout line #{i + 1}: #{s.inspect}"
    end
    i += 1
  end
  [groups, unparsed, note]
end

def gkey(g)
  [g[:type], g[:file], g[:line]]
end

# ---------------------------------------------------------------------------
# One case
# ---------------------------------------------------------------------------

def run_case(name, args, tmp)
  dir = File.join(GOLD, 'cases', name)
  FileUtils.mkdir_p(dir)
  raise "#{name}: case names must start with diff_" unless name.start_with?('diff_')

  # --- arguments: positional files and the optional output file
  rest = args.drop(1)
  out_file = nil
  if (k = rest.index { |a| %w[--output-diff --output_diff].include?(a) })
    out_file = rest[k + 1]
    rest = rest[0...k] + rest[(k + 2)..]
  end
  before_p, after_p, retained_p = rest
  raise "#{name}: bad arguments" unless (2..3).cover?(rest.size)

  # --- run heapy
  work = File.join(tmp, name)
  FileUtils.mkdir_p(work)
  heapy_path = lambda do |p|
    next File.join(REPO, p) unless p.end_with?('.gz')
    plain = File.join(work, File.basename(p, '.gz'))
    File.binwrite(plain, Zlib.gunzip(File.binread(File.join(REPO, p)))) unless File.exist?(plain)
    plain
  end
  heapy_args = ['diff', *rest.map { |p| heapy_path.call(p) }]
  heapy_out = out_file&.sub('@TMP@', work)
  heapy_args += ['--output_diff', heapy_out] if heapy_out
  stdout, stderr, status = Open3.capture3({ 'LC_ALL' => 'C.UTF-8' }, HEAPY, *heapy_args, chdir: REPO)
  stdout.force_encoding(Encoding::BINARY)
  raise "#{name}: heapy failed (#{status.exitstatus}): #{stderr}" unless status.success?
  File.binwrite(File.join(dir, 'heapy.stdout'), stdout.gsub(work.b, '@TMP@'.b))
  File.write(File.join(dir, 'heapy.code'), "#{status.exitstatus}\n")
  heapy_file = heapy_out && File.binread(heapy_out)

  # --- the dumps, and the two models
  before = read_dump(before_p)
  after = read_dump(after_p)
  retained = retained_p && read_dump(retained_p)
  prefix = retained ? 'Retained' : 'Allocated'
  h_model = heapy_model(before, after, retained)
  s_groups, s_lines = spec_model(before, after, retained)

  groups, unparsed, note = parse_heapy(stdout.dup.force_encoding(Encoding::UTF_8))

  # heapy's output must be exactly what the address-only model predicts
  # (as a multiset of lines: heapy's tie order is not defined).
  h_total = h_model.values.sum { |g| g[:size] }
  predicted = h_model.values.map { |g| render(prefix, g, h_total) }.sort
  raise "#{name}: heapy output differs from the heapy model" unless groups.map { |g| g[:raw] }.sort == predicted
  # ... including its ranking by count (descending)
  raise "#{name}: heapy not sorted by count" unless groups.each_cons(2).all? { |a, b| a[:count] >= b[:count] }
  n_invalid = [before, retained, after].compact.sum { |d| d.count { |l| l.rec.nil? } }
  raise "#{name}: expected #{n_invalid} 'Could not parse' lines" unless unparsed.size == n_invalid
  raise "#{name}: output-diff note mismatch" unless note.nil? == heapy_out.nil?
  if heapy_file
    # heapy writes each reported line with `puts`: the lines of its file are
    # exactly AFTER's lines whose address was reported, in file order.
    seen = Set.new(before.select(&:rec).map { |l| l.rec['address'] })
    kept = retained && Set.new(retained.select(&:rec).map { |l| l.rec['address'] })
    expect_h = after.select { |l| l.rec && !seen.include?(l.rec['address']) && (!kept || kept.include?(l.rec['address'])) }
                    .map { |l| l.raw.end_with?("\n") ? l.raw : "#{l.raw}\n" }.join
    raise "#{name}: heapy's diff file differs from the heapy model" unless heapy_file == expect_h
  end

  tags = []
  log = []

  # 1. parse-errors-to-stderr
  unless unparsed.empty?
    tags << 'parse-errors-to-stderr'
    log << "parse-errors-to-stderr: #{unparsed.size} `Could not parse` line(s) dropped"
  end

  # 2. non-object-lines
  dropped = groups.select { |g| NON_OBJECT_TYPES.include?(g[:type]) }
  unless dropped.empty?
    tags << 'non-object-lines'
    log << "non-object-lines: dropped #{dropped.map { |g| "#{g[:type]} (#{g[:count]})" }.join(', ')}"
    groups -= dropped
  end

  # 3. identity: replace counts/sizes, add and remove groups
  by_key = s_groups.values.to_h { |g| [gkey(g), g] }
  raise "#{name}: two groups print alike" unless by_key.size == s_groups.size
  changed = []
  removed = []
  kept_groups = []
  groups.each do |g|
    s = by_key[gkey(g)]
    if s.nil?
      removed << "#{gkey(g).join(':')} (#{g[:count]})"
      next
    end
    changed << "#{s[:type]} #{s[:file]}:#{s[:line]} #{g[:count]}->#{s[:count]}" if s[:count] != g[:count] || s[:size] != g[:size]
    kept_groups << g.merge(count: s[:count], size: s[:size], heapy_count: g[:count], heapy_size: g[:size])
  end
  present = kept_groups.map { |g| gkey(g) }.to_set
  added = s_groups.values.reject { |s| present.include?(gkey(s)) }
  unless changed.empty? && removed.empty? && added.empty?
    tags << 'identity'
    log << "identity: #{changed.size} changed, #{added.size} added, #{removed.size} removed"
    changed.each { |c| log << "  changed #{c}" }
    added.each { |s| log << "  added #{s[:type]} #{s[:file]}:#{s[:line]} (#{s[:count]})" }
    removed.each { |r| log << "  removed #{r}" }
  end
  groups = kept_groups + added.map { |s| s.merge(prefix: prefix) }

  # 4. total
  total = groups.sum { |g| g[:size] }
  raise "#{name}: total mismatch" unless total == s_groups.values.sum { |g| g[:size] }
  old_totals = kept_groups.map { |g| g[:total] }.uniq
  if old_totals.any? { |t| t != total }
    tags << 'total'
    log << "total: #{old_totals.join(',')} -> #{total}"
  end

  # 5. tie-order: count descending, ties by first appearance in AFTER.
  # Recorded when two rows that heapy printed, with the same count and not
  # changed by `identity`, come out in the other order.
  ordered = groups.sort_by { |g| [-g[:count], by_key[gkey(g)][:first]] }
  rank = ordered.each_with_index.to_h { |g, i| [gkey(g), i] }
  untouched = kept_groups.select { |g| g[:count] == g[:heapy_count] && g[:size] == g[:heapy_size] }
  swapped = Set.new
  untouched.each_with_index do |x, i|
    untouched[(i + 1)..].each do |y|
      next unless x[:count] == y[:count] && rank[gkey(x)] > rank[gkey(y)]
      swapped << gkey(x) << gkey(y)
    end
  end
  unless swapped.empty?
    tags << 'tie-order'
    log << "tie-order: #{swapped.size} of heapy's lines change place among equal counts"
  end

  # 6. output-diff-note
  if note
    tags << 'output-diff-note'
    log << "output-diff-note: dropped blank line + #{note.sub(work, '@TMP@').inspect} (goes to stderr)"
  end

  expected = ordered.map { |g| "#{render(prefix, g, total)}\n" }.join

  # 7. output-diff-file
  if out_file
    exp_file = s_lines.join
    File.binwrite(File.join(dir, 'expected.output-diff'), exp_file)
    # heapy's own diff file is kept only where it differs (no duplicates)
    FileUtils.rm_f(File.join(dir, 'heapy.output-diff'))
    File.binwrite(File.join(dir, 'heapy.output-diff'), heapy_file) if exp_file != heapy_file
    if exp_file != heapy_file
      tags << 'output-diff-file'
      h_set = heapy_file.lines.tally
      e_set = exp_file.lines.tally
      plus = e_set.sum { |l, n| [n - h_set.fetch(l, 0), 0].max }
      minus = h_set.sum { |l, n| [n - e_set.fetch(l, 0), 0].max }
      log << "output-diff-file: #{heapy_file.lines.size} -> #{exp_file.lines.size} lines (+#{plus} -#{minus})"
    end
  else
    FileUtils.rm_f(File.join(dir, 'expected.output-diff'))
    FileUtils.rm_f(File.join(dir, 'heapy.output-diff'))
  end

  File.write(File.join(dir, 'cmd'), "#{args.join(' ')}\n")
  File.binwrite(File.join(dir, 'expected.stdout'), expected)
  File.write(File.join(dir, 'expected.code'), "0\n")
  File.write(File.join(dir, 'adjustments.txt'), tags.map { |t| "#{t}\n" }.join)
  puts "#{name}: #{ordered.size} lines, total #{total}; heapy #{groups.size + dropped.size - added.size + removed.size} lines"
  log.each { |l| puts "  #{l}" }
end

only = ARGV
unknown = only - CASES.keys
abort "unknown case(s): #{unknown.join(' ')}" unless unknown.empty?
Dir.mktmpdir('heapdump-diff-golden') do |tmp|
  CASES.each do |name, args|
    next unless only.empty? || only.include?(name)
    run_case(name, args, tmp)
  end
end
