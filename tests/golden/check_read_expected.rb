#!/usr/bin/env ruby
# frozen_string_literal: true
#
# check_read_expected.rb -- an independent re-check of the `heapdump read`
# goldens in tests/golden/cases/*. It shares no code with
# make_read_expected.rb and never runs heapy: for every case it re-reads the
# fixture named in `cmd`, recomputes the numbers the spec defines, and
# asserts that expected.stdout / expected.code agree with them.
#
#     ruby tests/golden/check_read_expected.rb        (from the repo root)
#
# Ruby 3.1 (tested with 3.1.2). Exits 1 on the first failed case, listing
# every failed assertion of that run.

require 'json'
require 'zlib'

REPO = File.expand_path('../..', __dir__)
CASE_DIR = File.join(REPO, 'tests', 'golden', 'cases')
SKIP = %w[ROOT SHAPE NONE MOVED].freeze

$failures = []
def ok(cond, what)
  $failures << what unless cond
  cond
end

# Ruby's json gem accepts escapes that JSON does not (e.g. "\e"); a dump
# line with one is invalid JSON and must count as skipped, as the spec says.
def strict_escapes?(line)
  line.b.scan(/\\(u[0-9A-Fa-f]{4}|.)/m).all? do |(e)|
    e.start_with?('u') ? e.size == 5 : %q{"\\/bfnrt}.include?(e)
  end
end

# Objects of a dump, in file order. Lines that JSON can't parse, or that are
# not JSON objects, are dropped.
def objects_of(path)
  data = File.open(path, 'rb') { |f| path.end_with?('.gz') ? Zlib::GzipReader.new(f).read : f.read }
  objs = []
  class_name = {} # normalised address -> name
  data.split("\n").each do |ln|
    next if ln.strip.empty?
    rec = begin
      raise JSON::ParserError, 'invalid escape' unless strict_escapes?(ln)

      JSON.parse(ln.dup.force_encoding('UTF-8'))
    rescue JSON::ParserError
      nil
    end
    next unless rec.is_a?(Hash)
    if (rec['type'] == 'CLASS' || rec['type'] == 'MODULE') && rec['name'].is_a?(String)
      class_name[norm(rec['address'])] = rec['name']
    end
    next if rec['address'].nil? || SKIP.include?(rec['type'])
    objs << rec
  end
  [objs, class_name]
end

def norm(addr) = addr.to_s.downcase.sub(/\A0x0*/, '')

def tenths(b) = ((b * 10) + 512).div(1024)
def fmt_kb(b) = format('%d.%d', tenths(b) / 10, tenths(b) % 10)

def check_summary(lines, objs)
  by_gen = Hash.new { |h, k| h[k] = [0, 0] }
  objs.each do |o|
    e = by_gen[o['generation']]
    e[0] += 1
    e[1] += o['memsize'].to_i
  end
  order = by_gen.keys.sort_by { |g| g.nil? ? -1 : g }
  ok(lines[0, 3] == ['', 'Analyzing Heap', '=' * 14], 'summary header')
  rows = lines[3..].take_while { |l| l.start_with?('Generation:') }
  ok(rows.size == order.size, "summary: #{rows.size} rows, want #{order.size}")
  width = [3, order.compact.map { |g| g.to_s.size }.max.to_i].max
  rows.zip(order).each do |row, g|
    label = g.nil? ? 'nil' : g.to_s
    c, b = by_gen[g]
    ok(row == "Generation: #{label.rjust(width)} object count: #{c}, mem: #{fmt_kb(b)} kb",
       "summary row for #{label}: #{row.inspect}")
  end
  tail = lines[(3 + rows.size)..]
  total_b = by_gen.values.map(&:last).sum
  want = ['', 'Heap total', '=' * 14, "Generations (active): #{order.size}",
          "Count: #{objs.size}", "Memory: #{fmt_kb(total_b)} kb"]
  ok(tail == want, "summary totals: #{tail.inspect} want #{want.inspect}")
end

# Returns {key => [value, first_index]}
def tally(list)
  t = {}
  list.each_with_index do |(key, add), i|
    t[key] ||= [0, i]
    t[key][0] += add
  end
  t
end

def check_rows(title, rows, table, n, lead: '  ', width: nil)
  want_n = [n, table.size].min
  ok(rows.size == want_n, "#{title}: #{rows.size} rows, want #{want_n}")
  width ||= rows.empty? ? 0 : table.values.map(&:first).max.to_s.size
  prev = nil
  rows.each do |r|
    m = r.match(/\A#{lead}( *)(\d+)  (.*)\z/)
    next ok(false, "#{title}: bad row #{r.inspect}") unless m
    ok(m[1].size + m[2].size == width, "#{title}: width of #{r.inspect}, want #{width}")
    v = m[2].to_i
    e = table[m[3]]
    next ok(false, "#{title}: unknown key #{m[3].inspect}") unless e
    ok(e[0] == v, "#{title}: #{m[3]} is #{e[0]}, row says #{v}")
    if prev
      ok(prev[0] > e[0] || (prev[0] == e[0] && prev[1] < e[1]), "#{title}: order at #{r.inspect}")
    end
    prev = e
  end
  # nothing left out that should rank higher than the last row shown
  if prev && table.size > rows.size
    shown = rows.map { |r| r[/\A *\d+  (.*)\z/, 1] }
    better = table.reject { |k, _| shown.include?(k) }.select { |_, e| e[0] > prev[0] || (e[0] == prev[0] && e[1] < prev[1]) }
    ok(better.empty?, "#{title}: #{better.keys.first(3).inspect} should have been shown")
  end
end

def section(lines, title)
  i = lines.index { |l| l == title || l.match?(/\A#{Regexp.escape(title)} \(/) }
  return nil unless i
  ok(lines[i + 1] == '=' * 30, "#{title}: rule")
  j = i + 2
  body = []
  while j < lines.size && lines[j] != ''
    body << lines[j]
    j += 1
  end
  [lines[i], body, i]
end

def check_drill(text, lines, objs, names, gen, n)
  sel = objs.select { |o| o['file'].is_a?(String) && (gen == 'all' || o['generation'] == gen.to_i) }
  ok(lines[0, 4] == ['', "Analyzing Heap (Generation: #{gen})", '-' * 31, ''], 'drill header')
  loc = ->(o) { "#{o['file']}:#{o['line']}" }

  mem = tally(sel.map { |o| [loc[o], o['memsize'].to_i] })
  t, body = section(lines, 'allocated by memory')
  ok(t == "allocated by memory (#{sel.sum { |o| o['memsize'].to_i }}) (in bytes)", "memory title #{t.inspect}")
  check_rows('memory', body, mem, n)

  cnt = tally(sel.map { |o| [loc[o], 1] })
  t, body = section(lines, 'object count')
  ok(t == "object count (#{sel.size})", "count title #{t.inspect}")
  check_rows('count', body, cnt, n)
  if cnt.size <= n
    ok(body.sum { |r| r[/\d+/].to_i } == sel.size, 'count rows sum to the total')
  end

  # Instances only: IMEMO and ICLASS records are not counted by class.
  instances = sel.select { |o| o['class'] && o['type'] != 'IMEMO' && o['type'] != 'ICLASS' }
  cls = tally(instances.map { |o| [names[norm(o['class'])] || "#<Class:#{o['class']}>", 1] })
  s = section(lines, 'object counts by class')
  if cls.empty?
    ok(s.nil?, 'class section should be absent')
  else
    ok(s && s[2] == 4 + 2 + mem.size.clamp(0, n) + 1 + 2 + cnt.size.clamp(0, n) + 1, 'class section is third')
    check_rows('class', s[1], cls, n) if s
    ok(s[1].sum { |r| r[/\d+/].to_i } == instances.size, 'class rows sum') if s && cls.size <= n
  end

  # Ties go by each location's first selected object (spec, Ordering), which
  # need not be the first object there that has "references".
  with_refs = sel.select { |o| o.key?('references') }.map { |o| [loc[o], true] }.to_h
  refs = tally(sel.map { |o| [loc[o], o.key?('references') ? o['references'].size : 0] })
         .select { |k, _| with_refs[k] }
  s = section(lines, 'High Ref Counts')
  if refs.empty?
    ok(s.nil?, 'refs section should be absent')
  elsif ok(s && s[1][0].nil?, 'refs: blank line after rule')
    i = s[2] + 3
    body = []
    while i < lines.size && lines[i] != ''
      body << lines[i]
      i += 1
    end
    check_rows('refs', body, refs, n)
  end

  strs = sel.select { |o| o['type'] == 'STRING' && o['value'].is_a?(String) }
  vals = tally(strs.map { |o| [o['value'], 1] }).select { |_, e| e[0] >= 2 }
  s = section(lines, 'Duplicate strings')
  if vals.empty?
    ok(s.nil?, 'dup strings section should be absent')
    ok(text.end_with?("\n") && !text.end_with?("\n\n"), 'output ends with one newline')
  elsif ok(s && s[1][0].nil?, 'dup: blank line after rule')
    ok(text.end_with?("\n\n"), 'output ends with a blank line')
    blocks = lines[(s[2] + 3)..].join("\n").split("\n\n").map { |b| b.split("\n") }
    ok(blocks.size == [n, vals.size].min, "dup: #{blocks.size} values, want #{[n, vals.size].min}")
    width = vals.values.map(&:first).max.to_s.size
    by_inspect = vals.keys.to_h { |v| [v.inspect, v] } # Ruby's own inspect (UTF-8)
    prev = nil
    blocks.each do |b|
      m = b[0].match(/\A ( *)(\d+)  (.*)\z/)
      next ok(false, "dup: bad value line #{b[0].inspect}") unless m
      v = by_inspect[m[3]]
      next ok(false, "dup: unknown value #{m[3]}") unless v
      e = vals[v]
      ok(m[2].to_i == e[0] && m[1].size + m[2].size == width, "dup: #{b[0].inspect}")
      ok(prev.nil? || prev[0] > e[0] || (prev[0] == e[0] && prev[1] < e[1]), "dup order at #{b[0].inspect}")
      prev = e
      locs = tally(strs.select { |o| o['value'] == v }.map { |o| [loc[o], 1] })
      check_rows("dup #{m[3]}", b[1..], locs, locs.size, lead: ' ', width: width)
      ok(b[1..].sum { |r| r[/\d+/].to_i } == e[0], "dup: locations of #{m[3]} sum to its count")
    end
  end
end

fixtures = {}
failed = []
# The read cases only; diff_* cases are checked by check_diff_expected.rb.
Dir.children(CASE_DIR).sort.reject { |n| n.start_with?('diff_') }.each do |name|
  dir = File.join(CASE_DIR, name)
  $failures = []
  args = File.read(File.join(dir, 'cmd')).split
  ok(File.read(File.join(dir, 'cmd')).lines.size == 1, 'cmd is one line')
  ok(args[0] == 'read', 'cmd starts with read')
  path = args[1]
  ok(File.file?(File.join(REPO, path)), "fixture #{path} exists")
  objs, names = (fixtures[path] ||= objects_of(File.join(REPO, path)))
  text = File.binread(File.join(dir, 'expected.stdout')).force_encoding('UTF-8')
  code = File.read(File.join(dir, 'expected.code'))
  lines = text.split("\n", -1)
  lines.pop if lines.last == '' # the final newline
  gen = args[2]
  n = args.include?('--lines') ? args[args.index('--lines') + 1].to_i : 50
  if gen.nil?
    ok(code == "0\n", 'summary exit code 0')
    check_summary(lines, objs)
  elsif objs.none? { |o| o['file'].is_a?(String) && (gen == 'all' || o['generation'] == gen.to_i) }
    ok(code == "1\n" && text.empty?, 'no selection: empty stdout, exit 1')
  else
    ok(code == "0\n", 'drill exit code 0')
    check_drill(text, lines, objs, names, gen, n)
  end
  status = $failures.empty? ? 'ok' : 'FAIL'
  puts format('%-30s %s', name, status)
  $failures.first(10).each { |f| puts "    #{f[0, 300]}" }
  failed << name unless $failures.empty?
end
puts(failed.empty? ? 'all cases ok' : "#{failed.size} case(s) failed")
exit(failed.empty? ? 0 : 1)
