# Reads a Gemfile.lock with Bundler's own LockfileParser and prints what it found as JSON:
# every spec (name, version, platform, runtime dependencies) and the direct dependencies.
# Usage: ruby bundler_dump.rb LOCKFILE... (one JSON object per line, in the order given)
require "json"
require "tmpdir"
require "fileutils"

# Bundler's sources want a Gemfile to anchor their cache paths; give them an empty one.
root = Dir.mktmpdir("lockrisk-oracle")
File.write(File.join(root, "Gemfile"), "")
ENV["BUNDLE_GEMFILE"] = File.join(root, "Gemfile")
at_exit { FileUtils.remove_entry(root) }
require "bundler"

def requirement_list(dep)
  dep.requirement.requirements.map { |op, version| "#{op} #{version}" }.sort
end

def dump(path)
  text = File.read(path)
  # Bundler releases before 2.5 do not know the CHECKSUMS section; drop it so they can read the rest.
  text = text.gsub(/^CHECKSUMS\r?\n(?:  .*\r?\n|\r?\n)*/, "")
  parser = Bundler::LockfileParser.new(text)
  specs = parser.specs.map do |spec|
    {
      "name" => spec.name,
      "version" => spec.version.to_s,
      "platform" => spec.platform.to_s,
      "dependencies" => spec.dependencies.map { |d| { "name" => d.name, "requirement" => requirement_list(d) } },
    }
  end
  direct = parser.dependencies.values.map { |d| { "name" => d.name, "requirement" => requirement_list(d) } }
  { "bundler" => Bundler::VERSION, "specs" => specs, "dependencies" => direct }
rescue StandardError => e
  { "error" => "#{e.class}: #{e.message}" }
end

ARGV.each { |path| puts JSON.generate(dump(path)) }
