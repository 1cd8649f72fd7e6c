"""Code shared by the Fieldloop server and the field app: no Flask, no Kivy."""
