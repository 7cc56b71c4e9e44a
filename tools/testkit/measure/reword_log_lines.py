#!/usr/bin/env python3
# "A reworded log line fails its scene and the guide check, not the claim tests": measured.
# For each lesson (or the ones named), appends an X to one plain word of every log line of its
# src/ at once (not a placeholder, a quoted value, a word in brackets, a subject or a
# constant), runs the tests of every package whose tests run that lesson (classroom and xtask
# left out: they build whole copies of the workspace), lists the failing tests, then puts the
# sources back and rebuilds. Afterwards `cargo xtask docs` names every block that changed; run
# `cargo xtask docs --update` to record the real lines again. Stopped half-way (Ctrl-C puts the
# sources back; a kill does not), `git checkout -- '*/src'` does.
# Usage: python3 tools/testkit/measure/reword_log_lines.py [PACKAGE...]
import re,sys,subprocess,os,glob
root=os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)),'..','..','..'))
def pkg_of(d):
    return re.search(r'^name\s*=\s*"([^"]+)"',open(d+'/Cargo.toml').read(),re.M).group(1)
lessons=[d for d in sorted(glob.glob(root+'/*/*')) if os.path.isdir(d+'/tests') and os.path.exists(d+'/src/main.rs') and '/tools/' not in d and '/exercises/' not in d and '/solutions/' not in d]
only=sys.argv[1:]
allpk={pkg_of(d):d for d in glob.glob(root+'/*/*') if os.path.exists(d+'/Cargo.toml') and os.path.isdir(d+'/tests')}
def mutate_fmt(m):
    # Rewords a line: the first plain word (4+ letters, not a placeholder, not quoted, not a
    # label in brackets, not part of a subject or a constant) gets an X appended.
    lit=m.group(2)
    for w in re.finditer(r"\{[^}]*\}|'[^']*'|[A-Za-z]{4,}",lit):
        t=w.group(0)
        if t[0] in "{'": continue
        before=lit[w.start()-1] if w.start()>0 else ' '
        after=lit[w.end()] if w.end()<len(lit) else ' '
        if before not in ' ' or after not in ' :;,' or t.isupper(): continue
        return m.group(1)+'"'+lit[:w.end()]+'X'+lit[w.end():]+'"'
    return m.group(0)
for d in lessons:
    pkg=pkg_of(d)
    if only and pkg not in only: continue
    files=glob.glob(d+'/src/*.rs')
    saved={f:open(f).read() for f in files}
    for f,s in saved.items():
        s2=re.sub(r'((?:info|warn|error)!\(\s*)"((?:[^"\\]|\\.)*)"',mutate_fmt,s)
        open(f,'w').write(s2)
    users=[p for p,pd in allpk.items() if p not in ('classroom','xtask') and p==pkg or p not in ('classroom','xtask') and any(('"'+pkg+'"') in open(t).read() for t in glob.glob(pd+'/tests/*.rs'))]
    try:
        args=['cargo','test','-q','--no-fail-fast']+sum([['-p',p] for p in users],[])
        r=subprocess.run(args,capture_output=True,text=True,timeout=900,cwd=root)
        out=r.stdout+r.stderr
        failed=sorted(set(re.findall(r'^    (\S+)$', out, re.M)))
        failed=[f for f in failed if '::' in f or f.islower()]
        if 'error[' in out or 'could not compile' in out: failed=['COMPILE ERROR']
        print(f"{pkg} (tests of {','.join(users)}): {len(failed)} failing: {failed}",flush=True)
    finally:
        for f,s in saved.items(): open(f,'w').write(s)
        subprocess.run(['cargo','build','-q','-p',pkg],cwd=root,capture_output=True)
