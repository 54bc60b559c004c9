# frozen_string_literal: true
#
# The preload of `heapdump record` (installed as share/heapdump/record.rb).
#
# `heapdump record` appends `-r<this file>` to RUBYOPT, so every Ruby process
# it starts (and every Ruby process those start) loads this file first.
# Loading it starts allocation tracing; the process then writes full heap
# dumps (GC.start, then ObjectSpace.dump_all) to
# $HEAPDUMP_RECORD_DIR/heap-PID-N.json (or .json.gz) when the
# HEAPDUMP_RECORD_* variables ask for them:
#
#   HEAPDUMP_RECORD_DIR        directory of the dumps (absolute); required
#   HEAPDUMP_RECORD_EVERY      seconds between timed dumps ("" or unset: none)
#   HEAPDUMP_RECORD_SIGNAL     signal name that asks for a dump ("" or unset: none)
#   HEAPDUMP_RECORD_AT_EXIT    "1": one more dump at exit
#   HEAPDUMP_RECORD_GZIP       "1": gzip the dumps (Ruby's Zlib)
#   HEAPDUMP_RECORD_MAX_DUMPS  at most this many dumps per process ("" or unset: no bound)
#   HEAPDUMP_RECORD_NEXT       written here: "PID:N", the last N of PID, so a
#                              process that execs another Ruby keeps numbering
#
# Nothing is done inside a signal handler: the trap writes one byte to a pipe
# and a recorder thread takes the dump. A dump is written to a hidden
# temporary name in the directory and renamed when complete, so a reader
# never sees half a file. After fork (Process._fork, Ruby >= 3.1) the child
# gets its own pipe, thread and numbering; see README "Recording dumps" for
# older Rubies.

require "objspace"
ObjectSpace.trace_object_allocations_start

return if ENV["HEAPDUMP_RECORD_DIR"].to_s.empty?

module HeapdumpRecord
  class << self
    def setup
      @dir = ENV["HEAPDUMP_RECORD_DIR"]
      @every = optional(ENV["HEAPDUMP_RECORD_EVERY"]) { |v| Float(v) }
      @signal = ENV["HEAPDUMP_RECORD_SIGNAL"].to_s
      @at_exit = ENV["HEAPDUMP_RECORD_AT_EXIT"] == "1"
      @gzip = ENV["HEAPDUMP_RECORD_GZIP"] == "1"
      @max = optional(ENV["HEAPDUMP_RECORD_MAX_DUMPS"]) { |v| Integer(v, 10) }
      require "zlib" if @gzip
      start(inherited_count, thread: true)
      Signal.trap(@signal) { wake } unless @signal.empty?
      at_exit { finish } if @at_exit
      Process.singleton_class.prepend(ForkHook) if Process.respond_to?(:_fork)
    end

    # In the child of a fork: the parent's thread is gone and its pipe is
    # shared with the parent, so start afresh with this process's own.
    def after_fork(thread: true)
      [@reader, @writer].each { |io| io.close unless io.closed? }
      start(0, thread: thread)
    end

    # Signal handler: only wakes the recorder thread.
    def wake
      after_fork if Process.pid != @pid # a fork that no _fork hook saw (Ruby < 3.1)
      @writer.write_nonblock("!", exception: false)
    end

    private

    def optional(value)
      value.nil? || value.empty? ? nil : yield(value)
    end

    # The dumps this PID already wrote before it exec'd this Ruby.
    def inherited_count
      pid, count = ENV["HEAPDUMP_RECORD_NEXT"].to_s.split(":", 2)
      pid == Process.pid.to_s ? count.to_i : 0
    end

    def start(count, thread:)
      @pid = Process.pid
      @count = count
      @lock = Mutex.new
      @reader, @writer = IO.pipe
      @thread = thread && (@every || !@signal.empty?) ? Thread.new { run } : nil
      @thread&.name = "heapdump record"
    end

    def now
      Process.clock_gettime(Process::CLOCK_MONOTONIC)
    end

    def full?
      @max && @count >= @max
    end

    # The recorder thread: one dump per byte in the pipe (one per signal),
    # and one each time the timer is due.
    def run
      deadline = @every && now + @every
      until full?
        timeout = deadline && [deadline - now, 0].max
        if IO.select([@reader], nil, nil, timeout)
          byte = @reader.read_nonblock(1, exception: false)
          break if byte.nil? # the pipe was closed

          dump if byte.is_a?(String)
        end
        next unless deadline && now >= deadline

        dump
        deadline += @every
        deadline = now + @every if deadline <= now # dumps slower than --every
      end
    rescue Exception => e # rubocop:disable Lint/RescueException
      warn "heapdump record: PID #{Process.pid}: the recorder stopped: #{e.class}: #{e.message}"
    end

    # at_exit: stop the recorder (after any dump it is writing), then dump.
    def finish
      after_fork(thread: false) if Process.pid != @pid # Ruby < 3.1
      @lock.synchronize do
        @thread&.kill
        write_dump
      end
    rescue Exception => e # rubocop:disable Lint/RescueException
      warn "heapdump record: PID #{Process.pid}: no dump at exit: #{e.class}: #{e.message}"
    end

    def dump
      @lock.synchronize { write_dump }
    end

    # Writes the next dump; the caller holds @lock.
    def write_dump
      return if full?

      n = @count + 1
      name = "heap-#{Process.pid}-#{n}.json"
      final = File.join(@dir, @gzip ? "#{name}.gz" : name)
      plain_tmp = File.join(@dir, ".#{name}.tmp")
      gzip_tmp = File.join(@dir, ".#{name}.gz.tmp")
      begin
        GC.start
        File.open(plain_tmp, "wb") { |f| ObjectSpace.dump_all(output: f) }
        if @gzip
          compress(plain_tmp, gzip_tmp)
          File.rename(gzip_tmp, final)
        else
          File.rename(plain_tmp, final)
        end
        @count = n
        ENV["HEAPDUMP_RECORD_NEXT"] = "#{Process.pid}:#{n}"
      rescue StandardError => e
        warn "heapdump record: PID #{Process.pid}: could not write #{final}: #{e.message}"
      ensure
        [plain_tmp, gzip_tmp].each { |tmp| File.unlink(tmp) if File.exist?(tmp) }
      end
    end

    def compress(source, target)
      Zlib::GzipWriter.open(target) do |gz|
        File.open(source, "rb") do |f|
          while (chunk = f.read(1 << 20))
            gz.write(chunk)
          end
        end
      end
    end
  end

  # Restarts the recorder in the child of a fork (Ruby >= 3.1).
  module ForkHook
    def _fork
      pid = super
      HeapdumpRecord.after_fork if pid.zero?
      pid
    end
  end
end

HeapdumpRecord.setup
