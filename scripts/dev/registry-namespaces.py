#!/usr/bin/env python3
"""Renames namespaces and usings after the Timonel.Api -> Timonel.Registry split (issue 15).

For merging a branch written against the old layout: after the merge has put its new files
where they belong (src/Timonel.Registry/<Area>/ for Resources, Strategies, Tables, OpenApi,
Discovery, Protobuf, Schema, Conversion; src/Timonel.Api/Validation/ for generic validation
primitives), run it from the repository root. It sets each moved file's namespace from its
folder and rewrites `using`s and qualified names everywhere else by which moved types a file
names. Safe to run again. Check the result by building.
"""
import os, re, subprocess
root = os.getcwd()
os.chdir(root)
# new namespace per moved file, from its new path
def new_ns(path):
    if path.startswith('src/Timonel.Registry/'):
        rel = os.path.dirname(path[len('src/Timonel.Registry/'):])
        return 'Timonel.Registry' + ('.' + rel.replace('/', '.') if rel else '')
    if path.startswith('src/Timonel.Api/Validation/'): return 'Timonel.Api.Validation'
    if path.startswith('src/Timonel.Api/Nodes/'): return 'Timonel.Api.Nodes'
    return None
files = subprocess.check_output(['git','ls-files','src','tests'], text=True).split()
cs = [f for f in files if f.endswith('.cs')]
decl = re.compile(r'^(?:public |internal )?(?:static |sealed |abstract |readonly |partial |file )*(?:class|struct|record(?: struct| class)?|interface|enum|delegate [^ ]+(?:<[^>]*>)?) ([A-Za-z_][A-Za-z0-9_]*)', re.M)
nsre = re.compile(r'^namespace ([A-Za-z0-9_.]+);', re.M)
moved = {}  # type -> (old, new)
oldns_of = {}
for f in cs:
    n = new_ns(f)
    if not n: continue
    src = open(f).read()
    old = n.replace('Timonel.Registry', 'Timonel.Api', 1) if n.startswith('Timonel.Registry') else {'Timonel.Api.Validation': 'Timonel.Api.Strategies.Validation', 'Timonel.Api.Nodes': 'Timonel.Api.Resources'}[n]
    oldns_of[f] = old  # where the file lived before the split
    for t in decl.findall(src):
        if t in moved and moved[t] != (old, n): print('two moved types named', t, moved[t], old, n)
        moved[t] = (old, n)
gone = {'Timonel.Api.Resources','Timonel.Api.Strategies','Timonel.Api.Strategies.Validation','Timonel.Api.Tables','Timonel.Api.OpenApi','Timonel.Api.Discovery','Timonel.Api.Protobuf','Timonel.Api.Schema','Timonel.Api.Conversion'}
print(len(moved), 'types moved')
def parents(ns):
    parts = ns.split('.')
    return {'.'.join(parts[:i]) for i in range(1, len(parts)+1)}
usingre = re.compile(r'^using ([A-Za-z0-9_.]+);\n', re.M)
changed = 0
for f in cs:
    src = open(f).read()
    m = nsre.search(src)
    if not m: continue
    cur_old = oldns_of.get(f, m.group(1))
    cur_new = new_ns(f) or m.group(1)
    usings = set(usingre.findall(src))
    visible_old = usings | parents(cur_old)
    visible_new = parents(cur_new)
    body = re.sub(r'//.*', '', src)  # a type named only in a comment or cref needs no using
    need = set()
    for t, (o, n) in moved.items():
        if f.startswith('src/Timonel.Api/') and n.startswith('Timonel.Registry'):
            continue  # Timonel.Api cannot see the registry
        if o in visible_old and n not in visible_new and (n not in usings) and re.search(r'(?<![A-Za-z0-9_.])' + t + r'\b', body):
            need.add(n)
    out = src
    # namespace
    if new_ns(f): out = nsre.sub('namespace ' + cur_new + ';', out, count=1)
    # drop usings of vanished namespaces
    out = re.sub(r'^using (' + '|'.join(re.escape(g) for g in gone) + r');\n', '', out, flags=re.M)
    # static usings and (partly) qualified names: Timonel.Api.<Old>.<Type> or, inside Timonel.*, Api.<Old>.<Type>
    for t, (o, n) in moved.items():
        if o != n:
            out = re.sub(r'(?<![\w.])(?:Timonel\.)?' + re.escape(o[len('Timonel.'):]) + r'\.' + t + r'\b', n + '.' + t, out)
    # insert needed usings after the last using line (or before namespace)
    if ('Timonel.Api.Strategies.Validation' in usings or cur_old == 'Timonel.Api.Strategies.Validation') and cur_new != 'Timonel.Api.Validation':
        need.add('Timonel.Api.Validation')
    need -= set(usingre.findall(out))
    if need:
        lines = ''.join('using %s;\n' % n for n in sorted(need))
        ms = list(usingre.finditer(out))
        ms = [x for x in ms if x.start() < nsre.search(out).start()]
        if ms:
            start, pos = ms[0].start(), ms[-1].end()
            block = out[start:pos]
            if all(l.startswith('using ') and ' static ' not in l and '=' not in l for l in block.splitlines()):
                names = sorted(set(usingre.findall(block)) | need, key=lambda u: (not (u == 'System' or u.startswith('System.')), u.lower()))
                out = out[:start] + ''.join('using %s;\n' % n for n in names) + out[pos:]
                lines = ''
        else:
            pos = nsre.search(out).start(); lines += '\n'
        out = out[:pos] + lines + out[pos:]
    if out != src:
        open(f, 'w').write(out); changed += 1
print(changed, 'files changed')
